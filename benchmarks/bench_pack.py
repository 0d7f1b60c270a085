"""How long `lgo-check report` takes to write a pack once the letters are extracted.

python benchmarks/bench_pack.py [FOLDER ...]   (default: examples/ and tests/letters/)

The letters are checked once; the report is then repeated, with each body renamed,
until it holds 400 letters, and the pack is built and rendered in each format for
one letter and for the 400. Targets (issue 12): one letter under 1 s, 400 under 10 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lgo_check import __version__
from lgo_check.config import Config
from lgo_check.engine import build_registry, run
from lgo_check.model import FileReport
from lgo_check.pack import render_pack
from lgo_check.pack.content import Cover, build_pack

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {1: 1.0, 400: 10.0}


def seconds(func: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def many(letters: list[FileReport], count: int) -> list[FileReport]:
    """``count`` letters, each of its own (renamed) body."""
    out = []
    for n in range(count):
        original = letters[n % len(letters)]
        assert original.letter is not None
        name = f"{original.letter.organisation or 'Body'} {n}"
        letter = original.letter.model_copy(update={"organisation": name})
        out.append(original.model_copy(update={"letter": letter, "path": f"{n}-{original.path}"}))
    return out


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or [ROOT / "examples", ROOT / "tests" / "letters"]
    config = Config()
    result = run(folders, config, build_registry(config))
    letters = [f for f in result.report.files if f.letter and f.letter.is_annual_review]
    cover = Cover("Audit and Governance Committee", "15 October 2024", "Head of Governance")
    print(f"{len(letters)} letters extracted from {', '.join(map(str, folders))}")
    print("median seconds to build and write the pack, after extraction:")
    for count, target in TARGETS.items():
        files = many(letters, count)
        for fmt in ("html", "docx", "md"):

            def write(files: list[FileReport] = files, fmt: str = fmt) -> bytes:
                pack = build_pack(files, result.rules, cover, __version__)
                return render_pack(pack, fmt)

            took = seconds(write, rounds=5 if count == 1 else 2)
            size = len(write()) // 1024
            verdict = "ok" if took < target else "OVER TARGET"
            print(
                f"  {count:>3} letter(s) {fmt:<4} {took:7.3f} s  ({size:,} KiB; "
                f"target {target:g} s: {verdict})"
            )


if __name__ == "__main__":
    main()
