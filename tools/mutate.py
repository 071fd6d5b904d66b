"""Mutation check of releasegate's fail-closed points.

Each mutant is a small, realistic bug at a place where the gate must fail
closed: a comparison loosened, an error dropped, a check skipped. The script
applies one mutant at a time to the working tree, runs the tests that should
notice it, records whether they did (killed) or not (survived), and restores
the file, whatever happens. Run it on a clean tree:

    python tools/mutate.py                # every mutant
    python tools/mutate.py --only cache   # mutants whose name contains "cache"
    python tools/mutate.py --list

It exits 1 if any mutant survives (or a mutation no longer applies: the code
moved, so the mutant must be updated), 0 when every mutant is killed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "semgrep: requested but unscanned files ignored",
        "releasegate/checks/semgrep.py",
        "        if skipped:\n            problems.append(",
        "        if False:\n            problems.append(",
        (
            "tests/checks/test_semgrep.py::test_a_requested_file_semgrep_does_not_scan_is_an_error_naming_it",
        ),
    ),
    Mutant(
        "semgrep: errors ignored",
        "releasegate/checks/semgrep.py",
        "        problems.extend(scan.problems)\n",
        "        pass\n",
        ("tests/checks/test_semgrep.py::test_a_target_that_does_not_parse_is_an_error_naming_it",),
    ),
    Mutant(
        "pip-audit: skipped dependencies dropped",
        "releasegate/checks/dependencies.py",
        "    run.skipped.extend(answer.skipped)\n",
        "    pass\n",
        ("tests/deps/test_deps_partial_skip.py",),
    ),
    Mutant(
        "waiver valid after its expiry day",
        "releasegate/decide.py",
        "        if waiver.expires < today:",
        "        if waiver.expires < today - dt.timedelta(days=1):",
        ("tests/test_decide.py::test_a_waiver_is_expired_the_day_after_its_expiry_day",),
    ),
    Mutant(
        "waiver expired on its expiry day",
        "releasegate/decide.py",
        "        if waiver.expires < today:",
        "        if waiver.expires <= today:",
        ("tests/test_decide.py::test_a_waiver_is_still_in_force_on_its_expiry_day",),
    ),
    Mutant(
        "sign-off expired on its expiry day",
        "releasegate/signoff/verify.py",
        "    if statement.expires < today:",
        "    if statement.expires <= today:",
        (
            "tests/signoff/test_signoff_ssh.py::test_a_signoff_is_valid_through_its_expiry_day_in_utc",
        ),
    ),
    Mutant(
        "baseline duplicates accepted",
        "releasegate/baseline.py",
        "        if entry.fingerprint in entries:\n            raise ConfigError(",
        "        if False:\n            raise ConfigError(",
        (
            "tests/test_baseline.py::test_a_fingerprint_listed_twice_is_a_configuration_error_naming_it",
        ),
    ),
    Mutant(
        "JUnit DTD accepted",
        "releasegate/stages/junit.py",
        "forbid_dtd=True, forbid_entities=True",
        "forbid_dtd=False, forbid_entities=True",
        ("tests/stages/test_stage_results.py",),
    ),
    Mutant(
        "review check does not scrub the token",
        "releasegate/checks/review.py",
        "            reasons=tuple(token.scrub(r) for r in done.reasons),",
        "            reasons=tuple(done.reasons),",
        (
            "tests/review/test_review_client.py::test_the_check_scrub_masks_every_string_of_a_result",
            "tests/review/test_review_client.py::test_the_check_scrubs_the_token_from_data_github_returned",
        ),
    ),
    Mutant(
        "GitHub client does not scrub the token",
        "releasegate/forge/client.py",
        "            raise type(exc)(\n                token.scrub(exc.message),",
        "            raise type(exc)(\n                exc.message,",
        (
            "tests/review/test_review_client.py::test_the_client_scrubs_the_token_from_every_error_it_raises",
        ),
    ),
    Mutant(
        "an erroring check does not block",
        "releasegate/decide.py",
        "                    blocking=True,\n                    check=result.id,\n"
        '                    rule="a check that errors blocks (fail closed)",',
        "                    blocking=False,\n                    check=result.id,\n"
        '                    rule="a check that errors blocks (fail closed)",',
        ("tests/test_decide.py",),
    ),
    Mutant(
        "partial runs certify",
        "releasegate/decide.py",
        "Verdict.PARTIAL_PASS if not_run else Verdict.PASS",
        "Verdict.PASS",
        ("tests/test_failopen_verdict.py::test_a_partial_run_never_certifies",),
    ),
    Mutant(
        "suppressions added in the range need no sign-off",
        "releasegate/decide.py",
        "    _suppression_verdict(judge, checks, reasons, notes)\n",
        "",
        ("tests/test_failopen_verdict.py::test_a_suppression_added_in_the_range_needs_signoff",),
    ),
    Mutant(
        "a static stage that cannot block is accepted",
        "releasegate/policy/schema.py",
        "        if not self.required:\n            return self\n        never =",
        "        if True:\n            return self\n        never =",
        ("tests/test_failopen_verdict.py::test_a_static_stage_that_can_never_block_is_refused",),
    ),
    Mutant(
        "an empty static scope passes",
        "releasegate/checks/tree.py",
        "        if empty:\n            problems.append(empty)",
        "        if False:\n            problems.append(empty)",
        ("tests/test_failopen_verdict.py::test_an_include_glob_that_matches_nothing_blocks",),
    ),
    Mutant(
        "an untrusted base's policy governs",
        "releasegate/pipeline.py",
        "    if not release.base_trusted:\n",
        "    if False:\n",
        ("tests/test_failopen_tree.py::test_an_orphan_branch_does_not_govern_itself",),
    ),
    Mutant(
        "a base on another branch is trusted",
        "releasegate/context.py",
        "    if _is_ancestor(repo, base, branch):\n",
        "    if True:\n",
        ("tests/test_failopen_tree.py::test_a_base_on_an_unmerged_branch_is_not_trusted",),
    ),
    Mutant(
        "head code runs with the analysers",
        "releasegate/pipeline.py",
        "        analysers=tuple(c for c in checks if c.stage not in HEAD_CODE_STAGES),\n"
        "        head_code=tuple(c for c in checks if c.stage in HEAD_CODE_STAGES),\n",
        "        analysers=tuple(checks),\n        head_code=(),\n",
        ("tests/test_failopen_tree.py::test_a_stage_command_cannot_change_what_the_scanners_read",),
    ),
    Mutant(
        "links leaving the repository pass",
        "releasegate/snapshot.py",
        "BLOCKING_KINDS = frozenset(\n    {\n        IssueKind.LINK_OUTSIDE,\n",
        "BLOCKING_KINDS = frozenset(\n    {\n",
        (
            "tests/test_failopen_tree.py::test_a_link_leaving_the_repository_blocks_and_its_target_is_never_read",
        ),
    ),
    Mutant(
        "unavailable submodules pass",
        "releasegate/snapshot.py",
        "        IssueKind.SUBMODULE_UNANALYSED,\n        IssueKind.UNDECODABLE,\n",
        "        IssueKind.UNDECODABLE,\n",
        (
            "tests/test_failopen_tree.py::test_an_unavailable_submodule_blocks_unless_the_policy_lists_it",
        ),
    ),
    Mutant(
        "declared encodings ignored",
        "releasegate/snapshot.py",
        "            if converted is not None:\n",
        "            if False:\n",
        ("tests/test_failopen_tree.py::test_utf7_code_is_analysed_as_python_runs_it",),
    ),
    Mutant(
        "cache entries believed without their MAC",
        "releasegate/cache.py",
        '            or not hmac.compare_digest(stored["mac"], self._mac(key, stored["result"]))\n',
        "",
        ("tests/test_cache.py",),
    ),
    Mutant(
        "escaped children of a hung tool are not killed",
        "releasegate/procs.py",
        "    escaped = pipe_holders(_pipe_inodes(proc)) - {proc.pid}\n",
        "    escaped: set[int] = set()\n",
        (
            "tests/test_failopen_procs.py::test_a_hung_tool_with_an_escaped_child_is_stopped_within_bounds",
        ),
    ),
    Mutant(
        "stage commands see the whole environment",
        "releasegate/stages/environment.py",
        "        elif name in ALLOWED or name.startswith(ALLOWED_PREFIXES) or name in extra:\n",
        "        elif True:\n",
        ("tests/stages/test_stage_isolation.py",),
    ),
    Mutant(
        "base64 forms of a secret not masked",
        "releasegate/redact.py",
        '    found.update(_base64_cores(value.encode("utf-8", "surrogateescape")))\n',
        "",
        ("tests/test_redact.py",),
    ),
    Mutant(
        "a truncated audit log verifies",
        "releasegate/cli/signing.py",
        "            problem = anchor_problem(lines, expected, source)\n",
        "            problem = None\n",
        (
            "tests/signoff/test_audit_chain.py::test_cutting_records_off_the_end_is_detected_by_the_anchor",
        ),
    ),
    Mutant(
        "the verdict is lost when an output fails",
        "releasegate/cli/outputs.py",
        "    return EXIT_USAGE if failures else verdict_exit_code(decision.verdict)\n",
        "    return verdict_exit_code(decision.verdict)\n",
        (
            "tests/test_failopen_procs.py::test_a_report_path_that_is_a_directory_loses_neither_verdict_nor_record",
        ),
    ),
    Mutant(
        "merge queue: a queue commit's content not compared with its pull request's",
        "releasegate/review/github_mode.py",
        "        if differs is not None:\n            kind = ",
        "        if False:\n            kind = ",
        (
            "tests/review/test_merge_queue.py::test_a_queue_merge_that_adds_content_of_its_own_blocks",
        ),
    ),
    Mutant(
        "merge_group: base_ref not checked against the queue ref",
        "releasegate/ghevent.py",
        '    if base_ref != f"refs/heads/{branch}":',
        "    if False:",
        ("tests/test_ghevent.py",),
    ),
    Mutant(
        "semgrep prefilter: an unreadable file takes no rule",
        "releasegate/checks/semgrep.py",
        "        if text is None:\n            return list(pack)",
        "        if text is None:\n            continue",
        (
            "tests/checks/test_semgrep_prefilter_select.py::test_a_file_that_could_not_be_read_takes_every_rule",
        ),
    ),
    Mutant(
        "watch: an advisory without a date counts as known at release",
        "releasegate/shipped.py",
        "            new = any(when is None or when > released for when in",
        "            new = any(when is not None and when > released for when in",
        ("tests/deps/test_watch.py::test_an_advisory_without_published_counts_as_new",),
    ),
    Mutant(
        "verify-attestation: a bad signature beside a good one accepted",
        "releasegate/cli/attest.py",
        "    if checked.bad:\n        bad = checked.bad[0]",
        "    if False:\n        bad = checked.bad[0]",
        ("tests/signoff/test_attestation_dsse.py::test_two_signatures_one_bad_is_refused",),
    ),
    Mutant(
        "semgrep engine: semgrep's PYTHONPATH kept as given (the judged tree on sys.path)",
        "releasegate/semgrep_tool.py",
        '    if "PYTHONPATH" in env:\n',
        "    if False:\n",
        (
            "tests/test_semgrep_engine.py::"
            "test_a_semgrep_package_in_the_head_never_runs_in_semgreps_place",
        ),
    ),
    Mutant(
        "semgrep engine: --disable-nosem dropped (a nosemgrep comment hides a finding)",
        "releasegate/checks/semgrep.py",
        '        "--disable-nosem",\n',
        "",
        (
            "tests/test_semgrep_engine.py::"
            "test_a_nosemgrep_comment_hides_nothing_from_the_native_command_line",
        ),
    ),
    Mutant(
        "cache packs: a pack's MAC is not checked (a forged result believed)",
        "releasegate/cache.py",
        '            mac, pack_mac(self.key, self.bucket.name, body).encode("ascii")\n',
        "            mac, mac\n",
        (
            "tests/test_cache.py::test_a_forged_entry_is_rejected_removed_and_reanalysed",
            "tests/test_cache.py::test_a_result_moved_to_another_key_is_rejected",
        ),
    ),
    Mutant(
        "cache packs: the MAC does not name the bucket (a pack moved to other settings)",
        "releasegate/cache.py",
        '    material = bucket.encode("ascii") + b"\\0" + body\n',
        '    material = b"\\0" + body\n',
        ("tests/test_cache.py::test_a_pack_moved_to_another_bucket_is_rejected",),
    ),
    Mutant(
        "cache packs: an earlier pack wins over a later one",
        "releasegate/cache.py",
        '        return sorted(p for p in names if not p.name.startswith("."))\n',
        '        return sorted((p for p in names if not p.name.startswith(".")), reverse=True)\n',
        ("tests/test_cache.py::test_writes_leave_no_temporary_files",),
    ),
    Mutant(
        "cpu slots: semgrep's scan leases no cores (runs beside bandit's shards)",
        "releasegate/checks/semgrep.py",
        "        cores=s.jobs,",
        "        cores=None,",
        (
            "tests/checks/test_bandit.py::"
            "test_semgrep_leases_every_core_it_runs_on_and_each_bandit_shard_one",
        ),
    ),
    Mutant(
        "cpu slots: a later small lease jumps the queue",
        "releasegate/procs.py",
        "                while self._queue[0] is not ticket or self._free < want:",
        "                while self._free < want:",
        ("tests/test_cpu_slots.py::test_leases_are_granted_in_the_order_they_were_asked_for",),
    ),
    Mutant(
        "prefilter words: a substring decides a match the regex refuses",
        "releasegate/checks/semgrep.py",
        "    return rule.prefilter.search(normal) is not None\n",
        "    return True\n",
        (
            "tests/checks/test_semgrep_prefilter_select.py::"
            "test_the_substring_test_never_decides_a_match_the_regex_refuses",
        ),
    ),
)


def _run_tests(tests: tuple[str, ...], timeout: float) -> tuple[bool, float]:
    """(whether the tests failed, seconds)."""
    started = time.monotonic()
    argv = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(
            argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return True, time.monotonic() - started  # a hang is noticed too
    return done.returncode != 0, time.monotonic() - started


def run(mutants: tuple[Mutant, ...], timeout: float) -> int:
    # A test that fails on the unmutated code would "kill" every mutant: refuse to start.
    tests = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
    broken, _ = _run_tests(tests, timeout * 2)
    if broken:
        print("the mutants' tests fail on the unmutated code: fix them first", file=sys.stderr)
        return 2
    failed = 0
    rows: list[str] = []
    for mutant in mutants:
        path = ROOT / mutant.path
        original = path.read_text("utf-8")
        if original.count(mutant.old) != 1:
            rows.append(f"| {mutant.name} | `{mutant.path}` | does not apply (code moved) | - |")
            failed += 1
            continue
        try:
            path.write_text(original.replace(mutant.old, mutant.new), "utf-8")
            killed, seconds = _run_tests(mutant.tests, timeout)
        finally:
            path.write_text(original, "utf-8")
        if not killed:
            failed += 1
        verdict = "killed" if killed else "**survived**"
        rows.append(f"| {mutant.name} | `{mutant.path}` | {verdict} | {seconds:.0f} s |")
        print(rows[-1], flush=True)
    killed_count = len(mutants) - failed
    print()
    print("| mutant | file | result | time |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n{killed_count} of {len(mutants)} mutants killed")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="mutants whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutant")
    args = parser.parse_args()
    chosen = tuple(m for m in MUTANTS if not args.only or args.only in m.name)
    if args.list:
        for mutant in chosen:
            print(f"{mutant.name}: {mutant.path} -> {' '.join(mutant.tests)}")
        return 0
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "releasegate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if dirty.strip():
        print("releasegate/ has uncommitted changes: commit or stash them first", file=sys.stderr)
        return 2
    return run(chosen, args.timeout)


if __name__ == "__main__":
    raise SystemExit(main())
