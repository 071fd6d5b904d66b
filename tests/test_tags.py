"""Which tags are release tags (releasegate/tags.py)."""

from __future__ import annotations

import pytest

from releasegate.tags import is_release_tag, no_release_tag_hint


@pytest.mark.parametrize(
    "tag",
    ["v1.2.3", "1.2.3", "V2", "release-1.2.3", "release_1.2", "release/2.0", "2.0.0rc1",
     "0.1.dev1", "v1.0.0-beta.1", "2023.10.1", "1!2.0"],
)  # fmt: skip
def test_versions_are_release_tags_by_default(tag: str) -> None:
    assert is_release_tag(tag, None)


@pytest.mark.parametrize(
    "tag",
    ["nightly", "latest", "v", "stable-1.0", "release-v1.0", "x1.0", "1.0-foo", "", "v1.2.3/x",
     "release-", "--help"],
)  # fmt: skip
def test_other_tags_are_not(tag: str) -> None:
    assert not is_release_tag(tag, None)


def test_a_policy_glob_is_matched_as_written() -> None:
    assert is_release_tag("myproj-1.0", "myproj-*")
    assert not is_release_tag("1.0", "myproj-*")
    assert not is_release_tag("V1.0", "v*")  # case-sensitive, as git is


def test_the_hint_lists_a_few_tags_and_counts_the_rest() -> None:
    hint = no_release_tag_hint([f"t{i}" for i in range(8)], None)
    assert "tags seen: t0, t1, t2, t3, t4 and 3 more" in hint
    assert hint.endswith("set release.tag_pattern to the glob your release tags follow")
