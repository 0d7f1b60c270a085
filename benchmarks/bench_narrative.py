"""What finding concerns costs per letter in a warm process, and what it adds to start-up.

python benchmarks/bench_narrative.py [FOLDER ...]   (default: examples/ and tests/letters/)

Three figures per letter (median of 5 rounds over every text letter):
  - cold: every paragraph read for the first time (the remembered blocks cleared
    before each round): the cost of a letter unlike any before it;
  - warm: the same letters again, paragraphs remembered (how a run over many
    letters of one year goes: the Ombudsman's standard paragraphs repeat);
  - rules only: cold, without the classifier.
Start-up: a fresh process finding the concerns of one letter, less the same process
that stops before building the pipeline (best of 3).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from lgo_check.extract.layout import metadata_wording
from lgo_check.extract.narrative import find_concerns, pipeline
from lgo_check.load.text import decode
from lgo_check.model import Source
from lgo_check.normalise import normalise

ROOT = Path(__file__).resolve().parent.parent


def letters(folders: list[Path]) -> list[Path]:
    return sorted(p for f in folders for p in f.rglob("*") if p.suffix in (".txt", ".md"))


def per_letter_ms(func, n: int, rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000 / n


def cold(norms: list) -> None:  # type: ignore[type-arg]
    pipeline().cache.clear()
    find_concerns(norms)


def rules_only(norms: list) -> None:  # type: ignore[type-arg]
    pipeline(use_model=False).cache.clear()
    find_concerns(norms, use_model=False)


STARTUP = """
import sys, time
start = time.perf_counter()
from lgo_check.extract.narrative import find_concerns
from lgo_check.model import Source
from lgo_check.normalise import normalise
norm = normalise(Source(path="x", format="text", text=open(sys.argv[1]).read()))
if sys.argv[2] == "find":
    find_concerns([norm])
print(time.perf_counter() - start)
"""


def startup(path: Path, what: str) -> float:
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", STARTUP, str(path), what],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(3)
    ]
    return min(runs)


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or [ROOT / "examples", ROOT / "tests" / "letters"]
    paths = letters(folders)
    artefacts = metadata_wording().artefacts
    norms = [
        normalise(Source(path=str(p), format="text", text=decode(p.read_bytes())), artefacts)
        for p in paths
    ]
    find_concerns(norms)  # build the pipeline
    find_concerns(norms, use_model=False)
    n = len(norms)
    print(f"{n} text letters; narrative concerns, median per letter, warm process:")
    print(f"  cold (every paragraph new)      {per_letter_ms(lambda: cold(norms), n):6.2f} ms")
    warm = per_letter_ms(lambda: find_concerns(norms), n)
    print(f"  warm (paragraphs remembered)    {warm:6.2f} ms")
    print(
        f"  rules only, cold                {per_letter_ms(lambda: rules_only(norms), n):6.2f} ms"
    )
    base = startup(paths[0], "import")
    full = startup(paths[0], "find")
    print(
        f"start-up for one letter: {full:.2f} s, of which building the pipeline {full - base:.2f} s"
    )


if __name__ == "__main__":
    main()
