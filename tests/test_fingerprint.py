"""Fingerprints survive moves and reformatting; identical repeats are distinct."""

from __future__ import annotations

from releasegate.fingerprint import Located, fingerprints, normalise_code, source_lines


def _located(code: str, line: int = 1, path: str = "app.py", rule: str = "B602") -> Located:
    return Located(tool="bandit", rule_id=rule, path=path, line=line, code=code)


def test_formatting_changes_do_not_change_the_normal_form() -> None:
    compact = "subprocess.call(cmd,shell=True)  # run it"
    black = "subprocess.call(\n    cmd,\n    shell=True,\n)"
    assert normalise_code(compact) == normalise_code(black)
    assert normalise_code("x = 'a'") == normalise_code('x = "a"')


def test_different_code_has_a_different_normal_form() -> None:
    assert normalise_code("call(cmd, shell=True)") != normalise_code("call(cmd2, shell=True)")


def test_unbalanced_fragment_still_normalises() -> None:
    assert normalise_code("subprocess.call(cmd,") == normalise_code("subprocess.call( cmd ,")


def test_line_moves_keep_the_fingerprint() -> None:
    [before] = fingerprints([_located("subprocess.call(cmd, shell=True)", line=10)])
    [after] = fingerprints([_located("subprocess.call(cmd,  shell=True)", line=42)])
    assert before == after


def test_second_identical_finding_in_a_file_gets_its_own_fingerprint() -> None:
    first, second = fingerprints(
        [_located("eval(x)", line=3, rule="B307"), _located("eval(x)", line=9, rule="B307")]
    )
    assert first != second
    [alone] = fingerprints([_located("eval(x)", line=30, rule="B307")])
    assert alone == first


def test_occurrences_are_numbered_in_line_order_not_input_order() -> None:
    late, early = fingerprints([_located("eval(x)", line=9), _located("eval(x)", line=3)])
    [only] = fingerprints([_located("eval(x)", line=1)])
    assert early == only and late != only


def test_path_and_rule_are_part_of_the_identity() -> None:
    a, b, c = fingerprints(
        [_located("eval(x)"), _located("eval(x)", path="b.py"), _located("eval(x)", rule="B999")]
    )
    assert len({a, b, c}) == 3


def test_source_lines_is_one_based_and_inclusive() -> None:
    assert source_lines("a\nb\nc\n", 2, 3) == "b\nc"
    assert source_lines("a\nb\nc\n", 2) == "b"
