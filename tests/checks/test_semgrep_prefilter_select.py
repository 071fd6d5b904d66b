"""The built-in pack cut to the rules that can match the files to scan
(``releasegate.checks.semgrep.select_pack_rules``): what is kept, in which order, and
that nothing is left out when a file cannot be read or a rule has no prefilter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from releasegate.checks.semgrep import (
    PackRule,
    pack_rule,
    prefilter_matches,
    prefilter_words,
    select_pack_rules,
)
from releasegate.errors import ToolError


def _rule(rule_id: str, prefilter: str | None) -> PackRule:
    return PackRule(
        id=rule_id,
        entry={"id": rule_id},
        prefilter=None if prefilter is None else re.compile(prefilter),
        words=None if prefilter is None else prefilter_words(prefilter),
    )


PACK = (
    _rule("sql", r"\bexecute\b"),
    _rule("always", None),
    _rule("pickle", r"\bpickle\b"),
)


def test_only_rules_whose_prefilter_matches_a_file_are_kept_in_pack_order() -> None:
    kept = select_pack_rules(PACK, ["import pickle\n", "x = 1\n"])
    assert [r.id for r in kept] == ["always", "pickle"]
    kept = select_pack_rules(PACK, ["cur.execute(q)\n", "pickle.loads(b)\n"])
    assert [r.id for r in kept] == ["sql", "always", "pickle"]


def test_identifiers_are_matched_as_python_reads_them_nfkc() -> None:
    # Python reads the fullwidth identifier as `execute` (PEP 3131: NFKC): so does the filter.
    kept = select_pack_rules(PACK, ["cur.\uff45xecute(q)\n"])
    assert "sql" in [r.id for r in kept]


def test_a_file_that_could_not_be_read_takes_every_rule() -> None:
    assert [r.id for r in select_pack_rules(PACK, ["x = 1\n", None])] == [
        "sql",
        "always",
        "pickle",
    ]


def test_no_file_no_rule_but_those_without_a_prefilter() -> None:
    assert [r.id for r in select_pack_rules(PACK, [])] == []
    assert [r.id for r in select_pack_rules(PACK, ["x = 1\n"])] == ["always"]


@pytest.mark.parametrize(("value", "message"), [(7, "is not a regex"), ("(", "does not compile")])
def test_a_broken_prefilter_is_an_error_naming_the_rule(value: object, message: str) -> None:
    entry = {"id": "r.x", "metadata": {"releasegate-prefilter": value}}
    with pytest.raises(ToolError, match=message) as raised:
        pack_rule(entry, Path("checks/x.yaml"))
    assert "r.x" in raised.value.message


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"\bpickle\b", ("pickle",)),
        (r"\b(execute|executemany|read_sql)\b", ("execute", "executemany", "read_sql")),
        # Anything but words between \b...\b: the regex alone decides.
        (r"\b(exec|eval)", None),
        (r"(exec|eval)\b", None),
        (r"\b(?:exec|eval)\b", None),
        (r"\b(exec.*|eval)\b", None),
        (r"\bexec\b|\beval\b", None),
        (r"\b(exec|)\b", None),
        (r"[Ee]val", None),
    ],
)
def test_only_a_prefilter_of_words_gets_the_substring_test(
    pattern: str, words: tuple[str, ...] | None
) -> None:
    assert prefilter_words(pattern) == words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = pickle.loads(b)\n", True),
        ("import cPickle, pickled\n", False),  # the words are there, the regex says no
        ("nothing here\n", False),
        ("pickle\n", True),
    ],
)
def test_the_substring_test_never_decides_a_match_the_regex_refuses(
    text: str, expected: bool
) -> None:
    rule = _rule("pickle", r"\bpickle\b")
    assert rule.words == ("pickle",)
    assert prefilter_matches(rule, text) is expected
    assert prefilter_matches(rule, text) == (rule.prefilter.search(text) is not None)  # type: ignore[union-attr]
