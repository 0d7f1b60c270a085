"""What grouping letters by body and the trend rules add to a run of 1,000 letters.

python benchmarks/bench_bodies.py [--letters N] [--rounds R]

Writes N letters (default 1,000) for fictional bodies, three review years each
(2021-22, 2022-23, 2023-24 wording, made from the example letters with each
body's name and figures), checks them with the per-file pipeline once (the
cost of the run without the body stage), then times the body stage on the
digests the runner keeps (grouping, the bodies section, every LGO4xx rule),
median of R rounds. Target: the body stage under 5% of the per-file run.
Both are CPU time of this process (the machine is shared; wall time is not fair).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from lgo_check.config import Config
from lgo_check.history import body_stage
from lgo_check.load import discover
from lgo_check.plugins import build_registry
from lgo_check.runner import LetterDigest, Pipeline
from lgo_check.selection import select_rules

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [
    ROOT / "examples" / "glenhallow-cc-2021-22.txt",
    ROOT / "examples" / "glenhallow-cc-2022-23.txt",
    ROOT / "examples" / "glenhallow-cc-2023-24.txt",
]
PLACES = ["Ash", "Brack", "Cald", "Dun", "Elm", "Fern", "Gorse", "Holl", "Ivy", "Juni"]
ENDINGS = ["wick", "mere", "ford", "holt", "stow", "combe", "by", "ton", "ley", "dale"]
TYPES = ["County Council", "District Council", "Borough Council", "MBC"]


def body_names(count: int) -> list[str]:
    names = [f"{a}{b}" for a in PLACES for b in ENDINGS]
    rng = random.Random(11)
    out = []
    for index in range(count):
        base = names[index % len(names)] + ("" if index < len(names) else f" {index // 100}")
        out.append(f"{base} {rng.choice(TYPES)}")
    return out


def write_letters(folder: Path, letters: int) -> int:
    """Letters for fictional bodies, three consecutive years each; returns how many."""
    rng = random.Random(7)
    templates = [t.read_text(encoding="utf-8") for t in TEMPLATES]
    written = 0
    for number, name in enumerate(body_names(letters // len(templates) + 1)):
        for year, text in enumerate(templates):
            if written == letters:
                return written
            rate = rng.randint(40, 90)
            text = text.replace("Glenhallow County Council", name)
            text = re.sub(
                r"\b\d{2}% of complaints we investigated",
                f"{rate}% of complaints we investigated",
                text,
            )
            (folder / f"body{number:04d}-{year}.txt").write_text(text, encoding="utf-8")
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    config = Config()
    registry = build_registry(config)
    pipeline = Pipeline(config, registry)
    stage = body_stage(select_rules(registry, config), config.bodies.aliases)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        count = write_letters(folder, args.letters)
        targets = discover([folder], registry.extensions())
        pipeline.check(targets[0])  # warm: spaCy pipeline and matchers built once
        digests: list[LetterDigest] = []
        start = time.process_time()
        for target in targets:
            outcome = pipeline.check(target)
            if outcome.digest is not None:
                digests.append(outcome.digest)
        per_file = time.process_time() - start
    times = []
    for _ in range(args.rounds):
        start = time.process_time()
        result = stage(digests)
        times.append(time.process_time() - start)
    body = statistics.median(times)
    bodies = result.bodies or []
    findings = sum(len(f.findings) for f in result.findings)
    print(f"letters: {count} ({len(bodies)} bodies, {findings} findings over a body's years)")
    print(f"per-file pipeline (load, normalise, extract, check), once: {per_file:.2f} s CPU")
    print(
        f"body stage (group, bodies section, LGO4xx rules), median of {args.rounds}: "
        f"{body * 1000:.1f} ms"
    )
    print(f"added: {100 * body / per_file:.2f}% (target: under 5%)")


if __name__ == "__main__":
    main()
