"""The action's gate step writes the SLSA VSA predicate and names it in the
``vsa-predicate-path`` output, which ``actions/attest`` takes as ``predicate-path``.

The step's own bash script is run as action.yml has it (its ``env:`` filled as the
runner would from the inputs), with ``RG_BIN`` holding a ``releasegate`` that runs this
checkout's CLI: the wiring from input to option to output, without an act run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from action_helpers import REPO_ROOT
from rg_testlib import GitRepo

from releasegate.reports.github_outputs import format_outputs

SCHEMA = REPO_ROOT / "tests" / "data" / "schemas" / "slsa-vsa-v1.predicate.schema.json"


def _action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO_ROOT / "action.yml").read_text("utf-8"))
    return document


def _gate_step() -> dict[str, Any]:
    steps: list[dict[str, Any]] = _action()["runs"]["steps"]
    [step] = [s for s in steps if s.get("id") == "gate"]
    return step


def _parse_outputs(text: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" not in line:  # name=value
            name, _, plain = line.partition("=")
            outputs[name] = plain
            continue
        name, _, delimiter = line.partition("<<")
        value = []
        for inner in lines:
            if inner == delimiter:
                break
            value.append(inner)
        outputs[name] = "\n".join(value)
    return outputs


def _run_gate_step(repo: GitRepo, tmp: Path, **inputs: str) -> dict[str, str]:
    """The gate step's script with the inputs given (RG_* as the step maps them)."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    launcher = bin_dir / "releasegate"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m releasegate "$@"\n', "utf-8")
    launcher.chmod(0o755)
    step = _gate_step()
    env = {name: "" for name in step["env"]}
    env.update(
        RG_BIN=str(bin_dir),
        RG_MODE="auto",
        RG_FAIL_ON_BLOCK="true",
        RG_WORKING_DIRECTORY=str(repo.root),
        RG_ONLY="bandit",
    )
    env.update(inputs)
    output, temp = tmp / "github_output", tmp / "runner-temp"
    output.write_text("", "utf-8")
    temp.mkdir(exist_ok=True)
    event = tmp / "event.json"
    event.write_text(json.dumps({"ref": "refs/heads/main", "after": repo.head()}), "utf-8")
    env.update(
        PATH="/usr/local/bin:/usr/bin:/bin",
        HOME=str(tmp),
        PYTHONPATH=str(REPO_ROOT),
        RUNNER_TEMP=str(temp),
        GITHUB_OUTPUT=str(output),
        GITHUB_EVENT_NAME="push",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_REF="refs/heads/main",
        GITHUB_SHA=repo.head(),
        RELEASEGATE_CACHE_DIR=str(tmp / "rg-cache"),
    )
    done = subprocess.run(
        ["bash", "-c", step["run"]],
        env=env, cwd=repo.root, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return _parse_outputs(output.read_text("utf-8"))


def test_the_action_maps_the_vsa_predicate_output() -> None:
    action = _action()
    assert action["outputs"]["vsa-predicate-path"]["value"] == (
        "${{ steps.gate.outputs.vsa-predicate-path }}"
    )
    assert action["inputs"]["vsa-predicate-file"]["default"] == ""
    assert _gate_step()["env"]["RG_VSA_PREDICATE_FILE"] == "${{ inputs.vsa-predicate-file }}"


def test_the_gate_step_writes_the_predicate_and_names_it(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("init", **{"app.py": "X = 1\n"})
    outputs = _run_gate_step(repo, tmp_path)
    path = Path(outputs["vsa-predicate-path"])
    assert path == tmp_path / "runner-temp" / "releasegate" / "vsa-predicate.json"
    predicate = json.loads(path.read_text("utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(predicate)
    # --only: a partial run, which never certifies.
    assert outputs["decision"] == "partial-pass"
    assert predicate["verificationResult"] == "FAILED"
    assert predicate["resourceUri"].endswith(f"@{repo.head()}")
    assert outputs["status"] == "0"


def test_the_vsa_predicate_file_input_is_where_it_goes(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("init", **{"app.py": "X = 1\n"})
    wanted = tmp_path / "odd name" / "vsa.json"
    wanted.parent.mkdir()
    outputs = _run_gate_step(repo, tmp_path, RG_VSA_PREDICATE_FILE=str(wanted))
    assert outputs["vsa-predicate-path"] == str(wanted)
    assert json.loads(wanted.read_text("utf-8"))["verifier"]["id"].startswith("https://")


def test_outputs_parse_back() -> None:
    assert _parse_outputs(format_outputs({"a": "1", "vsa-predicate-path": "/x y"})) == {
        "a": "1",
        "vsa-predicate-path": "/x y",
    }
