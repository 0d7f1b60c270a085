"""How long lgo-check takes per letter in a warm process: load, normalise, extract, check.

python benchmarks/bench_extract.py [FOLDER ...]   (default: examples/ and tests/letters/)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from lgo_check.config import Config
from lgo_check.engine import build_registry, check_letter, select_rules
from lgo_check.extract import extract_letter, extract_letters
from lgo_check.extract.layout import metadata_wording
from lgo_check.extract.metadata import extract_metadata
from lgo_check.extract.statistics import detect_layout, extract_statistics
from lgo_check.load import Limits, discover, read_source
from lgo_check.normalise import normalise

ROOT = Path(__file__).resolve().parent.parent


def per_letter_ms(func, rounds: int = 30) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or [ROOT / "examples", ROOT / "tests" / "letters"]
    config = Config()
    registry = build_registry(config)
    rules = select_rules(registry, config)
    artefacts = metadata_wording().artefacts
    targets = [t for t in discover(folders, [".txt", ".md", ".html"])]
    sources = [read_source(t, registry.loaders, Limits()) for t in targets]
    norms = [normalise(s, artefacts) for s in sources]
    extract_letters(norms)  # warm up: compile patterns, build the spaCy pipeline
    n = len(norms)
    load = per_letter_ms(lambda: [read_source(t, registry.loaders, Limits()) for t in targets])
    norm = per_letter_ms(lambda: [normalise(s, artefacts) for s in sources])
    stats = per_letter_ms(lambda: [extract_letter(x) for x in norms])
    metas = [extract_metadata(x) for x in norms]
    pairs_meta = list(zip(norms, metas, strict=True))
    figures = per_letter_ms(
        lambda: [extract_statistics(x, detect_layout(x.text), m.body) for x, m in pairs_meta]
    )
    full = per_letter_ms(lambda: extract_letters(norms))
    letters = extract_letters(norms)
    pairs = list(zip(letters, norms, strict=True))
    check = per_letter_ms(lambda: [check_letter(lt, rules, x, "") for lt, x in pairs])
    print(f"{n} letters; median per letter, warm process:")
    print(f"  load (read + decode)          {load / n:6.2f} ms")
    print(f"  normalise                     {norm / n:6.2f} ms")
    print(f"  extract metadata + statistics {stats / n:6.2f} ms")
    print(f"    of which statistics         {figures / n:6.2f} ms  (layout and figures)")
    print(f"  narrative concerns (spaCy)    {(full - stats) / n:6.2f} ms")
    print(f"  check (all rules)             {check / n:6.2f} ms")
    print(f"  total                         {(load + norm + full + check) / n:6.2f} ms")


if __name__ == "__main__":
    main()
