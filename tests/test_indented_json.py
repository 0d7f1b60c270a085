"""The fast indented JSON writer gives exactly json.dumps(indent=2)'s text."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lgo_check.report import indented


class Kind(enum.StrEnum):
    late = "late"


class Rank(enum.IntEnum):
    high = 3


def _reference(value: Any, level: int = 0) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
    return text.replace("\n", "\n" + "  " * level) if level else text


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from([Kind.late, Rank.high])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(_VALUES, st.integers(min_value=0, max_value=4))
def test_same_text_as_json_dumps(value: Any, level: int) -> None:
    assert indented.dumps(value, level) == _reference(value, level)


@pytest.mark.parametrize(
    "value",
    [
        {1: "a", None: [1.5]},  # keys json converts
        {"rate": 1e16, "small": 5e-324, "neg": -0.0},
        ['\x00\x1b\u202e\ud800 "quoted" back\\slash'],
        {"nested": {"empty": {}, "list": [], "tuple": ()}},
    ],
)
def test_unusual_values(value: Any) -> None:
    assert indented.dumps(value, 2) == _reference(value, 2)


@pytest.mark.parametrize("value", [float("nan"), {"x": [float("inf")]}, {"x": object()}])
def test_what_json_refuses_is_refused_the_same_way(value: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as ours:
        indented.dumps(value)
    with pytest.raises((ValueError, TypeError)) as theirs:
        _reference(value)
    assert str(ours.value) == str(theirs.value)
