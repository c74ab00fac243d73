"""Version strings as CUCM and IM/P print them, and how they order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uccert.catalog import Version, VersionError, VersionRange
from uccert.catalog.versions import before, since


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("8.6", (8, 6)),
        ("10.5", (10, 5)),
        ("11.5", (11, 5)),
        ("12.5", (12, 5)),
        ("14", (14,)),
        ("14.0", (14,)),
        ("15", (15,)),
        ("14.0.1.10000-20", (14, 0, 1, 10000, 20)),
        (" 12.5 ", (12, 5)),
    ],
)
def test_release_numbers_parse(text: str, key: tuple[int, ...]) -> None:
    assert Version.parse(text).key == key


def test_text_is_kept_for_display() -> None:
    assert str(Version.parse("14.0.1.10000-20")) == "14.0.1.10000-20"


def test_14_and_14_0_are_the_same_release() -> None:
    assert Version.parse("14") == Version.parse("14.0")
    assert hash(Version.parse("14")) == hash(Version.parse("14.0"))


@pytest.mark.parametrize(
    "ordered",
    [["8.6", "9.1", "10.0", "10.5", "11.0", "11.5", "12.0", "12.5", "14", "14.0.1.10000-20", "15"]],
)
def test_releases_order_numerically(ordered: list[str]) -> None:
    versions = [Version.parse(t) for t in ordered]
    assert sorted(reversed(versions)) == versions
    assert Version.parse("9.1") < Version.parse("10.0")  # not string order


def test_major_and_minor() -> None:
    version = Version.parse("12.5")
    assert (version.major, version.minor) == (12, 5)
    assert Version.parse("14").minor == 0


@pytest.mark.parametrize(
    "bad", ["", "  ", "x", "14.x", "v14", "14.", ".5", "14..0", "14-", "1-2-3"]
)
def test_bad_version_string_names_problem_and_fix(bad: str) -> None:
    with pytest.raises(VersionError) as caught:
        Version.parse(bad)
    message = str(caught.value)
    assert "12.5" in message  # shows the expected form
    assert isinstance(caught.value, ValueError)


def test_non_string_version_is_refused() -> None:
    with pytest.raises(VersionError, match="must be a string"):
        Version.parse(14)  # type: ignore[arg-type]


def test_version_ranges_are_half_open() -> None:
    assert Version.parse("9.1") in before("10.0")
    assert Version.parse("10.0") not in before("10.0")
    assert Version.parse("10") in since("10.0")
    assert Version.parse("9.1.2") not in since("10.0")
    assert Version.parse("12.5") in VersionRange()
    assert "12.5" not in since("10.0")  # only Version values are members


parts = st.lists(st.integers(min_value=0, max_value=99999), min_size=1, max_size=5)


@given(parts, parts)
def test_order_matches_zero_padded_numeric_order(a: list[int], b: list[int]) -> None:
    va = Version.parse(".".join(map(str, a)))
    vb = Version.parse(".".join(map(str, b)))
    width = max(len(a), len(b))
    pa, pb = a + [0] * (width - len(a)), b + [0] * (width - len(b))
    assert (va < vb) == (pa < pb)
    assert (va == vb) == (pa == pb)


@given(parts, st.integers(min_value=1, max_value=4))
def test_trailing_zeros_do_not_change_a_version(a: list[int], zeros: int) -> None:
    text = ".".join(map(str, a))
    assert Version.parse(text) == Version.parse(text + ".0" * zeros)


@given(parts)
def test_parse_round_trips_its_text(a: list[int]) -> None:
    text = ".".join(map(str, a))
    assert Version.parse(str(Version.parse(text))) == Version.parse(text)
