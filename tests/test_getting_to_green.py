"""Issue #12: the README's "Getting to green" block, run as it is on a fresh repository,
ends at exit 0 with a complete pass; on the way, the run names the command that fixes
what is missing."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import rg_cli
from rg_testlib import GitRepo, ssh_key

README = Path(__file__).resolve().parent.parent / "README.md"
ADVISORY_DB = Path(__file__).resolve().parent / "data" / "advisory-db" / "pypa"


def _green_block() -> str:
    text = README.read_text("utf-8")
    section = text[text.index("### Getting to green") :]
    section = section[: section.index("\n### ", 1)]
    blocks: list[str] = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    [block] = blocks
    return block


def test_the_readme_path_to_green_ends_in_a_complete_pass(repo: GitRepo, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    repo.commit(
        "initial",
        **{"app.py": "def add(a, b):\n    return a + b\n", "requirements.txt": "attrs==23.2.0\n"},
    )
    # The day's work, not committed yet: step 3 commits it.
    repo.write("calc.py", "def sub(a, b):\n    return a - b\n")
    [exe] = rg_cli.console_script()
    env = {
        **os.environ,
        "PATH": f"{Path(exe).parent}{os.pathsep}{os.environ['PATH']}",
        "MAINTAINER_KEY": str(ssh_key(keys, "maintainer")),
        "SECURITY_KEY": str(ssh_key(keys, "security")),
        "ADVISORY_DB": str(ADVISORY_DB),
    }
    env.pop("GITHUB_TOKEN", None)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-x", "-c", _green_block()],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # init printed its next steps; step 4 named the command that gives the sign-off.
    assert "next steps:" in done.stdout
    flat = " ".join(done.stdout.split())
    assert "security sign-off missing" in flat and "`releasegate signoff`" in flat
    assert done.stdout.rstrip().splitlines()[-1].startswith("✓ PASSED: release of ")
    report = json.loads((repo.root / "releasegate.json").read_text("utf-8"))
    assert report["decision"] == "pass" and report["scope"] == "complete"
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["review"] == "pass" and statuses["signoff"] == "pass"
    assert statuses["bandit"] == "pass" and statuses["dependencies"] == "pass"
