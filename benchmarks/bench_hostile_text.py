"""Time to read a letter with a long run of something repeated in it (normalise, metadata,
layout and statistics; not the narrative pass).

python benchmarks/bench_hostile_text.py [REPEATS ...]   (default: 10000 100000)

Each line is one kind of run put into the statistics section of a test letter, at
each size; the time should grow in proportion (10 times the run, about 10 times
the time). ``tests/test_drift_linear.py`` is the test that guards this; the absolute
figures are here.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from lgo_check.extract import extract_letter
from lgo_check.extract.layout import metadata_wording
from lgo_check.model import Source
from lgo_check.normalise import normalise

LETTER = (
    Path(__file__).resolve().parent.parent / "tests" / "letters" / "tarnwick-dc-2023-24.txt"
).read_text(encoding="utf-8-sig")
RUNS = {
    "newlines": "\n",
    "whitespace": " \t\n ",
    '"Annual Review" lines': "Annual Review\n",
    "unclosed <!--": "<!-- ",
    "unclosed <style>": "<style> ",
    "heading lines": "Complaints upheld\n",
    "table rows": "| Upheld decisions | 1 |\n",
}


def seconds(text: str) -> float:
    start = time.perf_counter()
    source = Source(path="letter.txt", format="text", text=text)
    extract_letter(normalise(source, metadata_wording().artefacts))
    return time.perf_counter() - start


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    place = LETTER.index("0% of complaints")
    seconds(LETTER)  # warm up: compile the wording
    print("run".ljust(24) + "".join(f"{n:>14,}" for n in sizes))
    for name, unit in RUNS.items():
        cells = []
        for n in sizes:
            cells.append(f"{seconds(LETTER[:place] + unit * n + LETTER[place:]):12.3f} s")
        print(name.ljust(24) + "".join(cells))


if __name__ == "__main__":
    main()
