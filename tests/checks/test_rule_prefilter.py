"""The rule pack's prefilters are sound: a rule finds nothing in a file its prefilter misses.

A rule may carry ``metadata: releasegate-prefilter: '<regex>'``. The semgrep check loads the rule
only when ``re.search(prefilter, text)`` matches the NFKC-normalised text (UTF-8, undecodable
bytes replaced) of at least one file to scan, so a prefilter must be a *necessary* condition for
every finding the rule can report: a wrong one silently drops findings (fails open).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasegate.checks.semgrep import (
    PackRule,
    load_rules,
    pack_rule,
    prefilter_text,
    scan_argv,
    select_pack_rules,
)
from releasegate.policy.loader import default_policy
from releasegate.semgrep_tool import located

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "checks" / "python"
CASES = ROOT / "bench" / "accuracy" / "cases"
KEY = "releasegate-prefilter"

# Rules deliberately left without a prefilter (always loaded), and why. semgrep's constant
# propagation folds string concatenation, so a pattern on a string's *content* also matches
# `PREFIX = "django.contrib.auth.hashers.MD5" + "PasswordHasher"` or `d[K] = ...` with
# `K = "pass" + "word"`: no identifier of the file is necessary for those branches.
UNANCHORED = {
    "releasegate.python.crypto.weak-password-hash": (
        "the Django hasher branch is a bare string pattern matching any constant-folded string"
    ),
    "releasegate.python.secrets.hardcoded-credential": (
        "the credential name may be a constant-folded string key ($MAP[...] = ..., {...: ...})"
    ),
    "releasegate.python.redirect-ssrf.open-redirect": (
        'the $RESP["Location"] = $URL sink is a plain subscript with a constant-folded key'
    ),
}


def loaded_for(rule: PackRule, path: Path) -> bool:
    """Whether the engine loads ``rule`` to scan ``path``: its own reading and matching."""
    return bool(select_pack_rules([rule], [prefilter_text(path)]))


def _load_rules() -> dict[str, tuple[Path, dict[str, Any]]]:
    rules: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in sorted(PACK.glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        for rule in data["rules"]:
            assert rule["id"] not in rules, f"{path}: rule id {rule['id']} defined twice"
            rules[rule["id"]] = (path, rule)
    return rules


RULES = _load_rules()


def _pack_rules() -> dict[str, PackRule]:
    """The pack as the semgrep check reads it, prefilters compiled."""
    entries: list[object] = []
    load_rules(PACK, raw=entries, shipped=True)
    return {rule.id: rule for rule in (pack_rule(entry, PACK) for entry in entries)}


PACK_RULES = _pack_rules()


def prefilters() -> dict[str, str | None]:
    """Rule id -> its prefilter (None: no prefilter, always loaded)."""
    return {rid: (rule.get("metadata") or {}).get(KEY) for rid, (_, rule) in RULES.items()}


ANCHORED = sorted(rid for rid, prefilter in prefilters().items() if prefilter is not None)


def test_the_pack_is_read_and_only_the_listed_rules_go_without_a_prefilter() -> None:
    assert len(RULES) >= 36
    without = {rid for rid, prefilter in prefilters().items() if prefilter is None}
    assert without == set(UNANCHORED), "give the rule a prefilter, or say in UNANCHORED why not"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_prefilter_is_a_string_that_compiles(rule_id: str) -> None:
    prefilter = prefilters()[rule_id]
    if prefilter is None:
        assert rule_id in UNANCHORED
        return
    assert isinstance(prefilter, str), f"{rule_id}: {KEY} is {type(prefilter).__name__}"
    assert prefilter.strip(), f"{rule_id}: {KEY} is empty"
    re.compile(prefilter)
    # An always-true regex would be no prefilter at all.
    assert not re.search(prefilter, ""), f"{rule_id}: {KEY} matches the empty text"


@pytest.mark.parametrize("rule_id", ANCHORED)
def test_the_rules_own_annotated_test_file_matches_its_prefilter(rule_id: str) -> None:
    path, _ = RULES[rule_id]
    annotated = path.with_suffix(".py")
    assert annotated.is_file(), f"{rule_id}: no annotated test file {annotated}"
    text = annotated.read_text("utf-8")
    assert re.search(rf"#\s*ruleid:.*\b{re.escape(rule_id)}\b", text), (
        f"{annotated} has no `ruleid:` line for {rule_id}"
    )
    assert loaded_for(PACK_RULES[rule_id], annotated), (
        f"{KEY} of {rule_id} does not match its own test file {annotated}"
    )


def _corpus() -> list[str]:
    files = sorted(ROOT.glob("checks/**/*.py")) + sorted(CASES.glob("*/*.py"))
    return [str(path.relative_to(ROOT)) for path in files]


def misses(results: list[dict[str, Any]], rules: dict[str, PackRule]) -> list[str]:
    """The findings in a file for which the engine would not load the finding's rule."""
    return [
        f"{result['check_id']} at {result['path']}:{result['start']['line']}"
        for result in results
        if not loaded_for(rules[result["check_id"]], ROOT / result["path"])
    ]


@pytest.mark.slow
def test_every_finding_of_the_pack_on_the_corpus_is_in_a_file_its_prefilter_matches() -> None:
    corpus = _corpus()
    assert len(corpus) > len(RULES), "the annotated test files and the accuracy cases are missing"
    settings = default_policy().policy.static.semgrep
    semgrep = located(os.environ)
    argv = scan_argv(  # the gate's own command line
        semgrep,
        ["checks/python"],
        corpus,
        timeout=settings.timeout_per_file,
        max_memory=settings.max_memory_mib,
        jobs=os.cpu_count() or 1,
    )
    done = subprocess.run(
        argv,
        executable=semgrep.executable,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["errors"] == [], out["errors"][:3]
    assert sorted(out["paths"]["scanned"]) == sorted(corpus), "semgrep skipped files"
    results: list[dict[str, Any]] = out["results"]
    assert {r["check_id"] for r in results} >= set(ANCHORED), "a rule found nothing: vacuous"
    assert misses(results, PACK_RULES) == [], f"findings outside {KEY}: fails open"
    # The check has teeth: a prefilter no finding's file matches is caught.
    never = re.compile(r"\bno_such_token_anywhere\b")
    broken = {
        rid: dataclasses.replace(rule, prefilter=never) if rid in ANCHORED else rule
        for rid, rule in PACK_RULES.items()
    }
    anchored = sum(r["check_id"] in ANCHORED for r in results)
    assert len(misses(results, broken)) == anchored
