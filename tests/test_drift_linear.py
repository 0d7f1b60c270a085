"""Reading a letter costs time in proportion to its length, whatever is repeated in it.

A hang guard, not a timing target: ten times the input must cost well under a
hundred times the time (a quadratic path costs a hundred times). Absolute figures
are in ``benchmarks/``.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lgo_check.extract import extract_letter
from lgo_check.extract.layout import metadata_wording
from lgo_check.model import Source
from lgo_check.normalise import normalise

LETTER = (Path(__file__).resolve().parent / "letters" / "tarnwick-dc-2023-24.txt").read_text(
    encoding="utf-8-sig"
)
# Where a run is put: the heading, the prose, the statistics section.
PLACES = [
    LETTER.index("Dear"),
    LETTER.index("Complaints give us"),
    LETTER.index("0% of complaints"),
]

# Each of these once made some pattern or loop quadratic (or could have).
UNITS = [
    "\n",
    " \t\n ",
    "Annual Review\n",
    "Annual Review letter\n\n",
    "<!-- ",
    "<style> ",
    "<head></header>",
    "Complaints upheld\n",
    "England figures\n\n",
    "| 1 | 2 |\n",
    "Upheld decisions\t1\n",
    "<tr><td>1</td><td>x</td></tr>",
    "17 July \n",
    "Dear \n",
    "9",
    "5% ",
    "This compares to an average of ",
    "Last year, ",
]


def seconds(text: str) -> float:
    """The quicker of two readings: normalise, metadata and statistics (not spaCy)."""
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        source = Source(path="letter.txt", format="text", text=text)
        extract_letter(normalise(source, metadata_wording().artefacts))
        best = min(best, time.perf_counter() - start)
    return best


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(
    unit=st.one_of(
        st.sampled_from(UNITS),
        st.text(alphabet=st.sampled_from("\n\t <>|%-!9aA.,:"), min_size=1, max_size=12),
    ),
    place=st.sampled_from(PLACES),
)
def test_ten_times_the_input_costs_well_under_a_hundred_times_the_time(
    unit: str, place: int
) -> None:
    # Big enough that the run, not the letter, is most of the work.
    repeat = max(20_000 // len(unit), 1)

    def letter(times: int) -> str:
        return LETTER[:place] + unit * times + LETTER[place:]

    small = seconds(letter(repeat))
    large = seconds(letter(10 * repeat))
    assert large < 50 * small, (unit, small, large)
