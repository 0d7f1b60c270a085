"""What finding concerns costs per letter in a warm process, and what it adds to start-up.

python benchmarks/bench_narrative.py [--against CHECKOUT] [--rounds N] [FOLDER ...]
(default folders: examples/ and tests/letters/ of this checkout)

All figures are CPU time (``time.process_time`` in the measuring process,
``getrusage`` of the children for start-up), so other work on the machine inflates
them less than wall time; each is the median of several rounds.

Per text letter, in a process that has built its pipeline:
  - cold: every paragraph read for the first time (the remembered paragraphs
    cleared before each round): the cost of a letter unlike any before it;
  - warm: the same letters again, paragraphs remembered (how a run over many
    letters of one year goes: the Ombudsman's standard paragraphs repeat);
  - rules only: cold, without the classifier.
Start-up: a new Python process that reads one letter and finds its concerns
(``lgo_check.extract.narrative.find_concerns``), and the part of it spent
building the pipeline (the same process stopping before that, subtracted).

``--against CHECKOUT`` measures another checkout of lgo-check (for example
``/work/main`` or a ``git worktree`` of an older commit) on the same letters in
the same run, its rounds alternating with this checkout's, and prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Run in a child process with the checkout to measure first on sys.path.
CHILD = """
import json, sys, time
from pathlib import Path
from lgo_check.extract.layout import metadata_wording
from lgo_check.extract.narrative import find_concerns, pipeline
from lgo_check.load.text import decode
from lgo_check.model import Source
from lgo_check.normalise import normalise

paths = [Path(p) for p in json.loads(sys.argv[1])]
rounds = int(sys.argv[2])
artefacts = metadata_wording().artefacts
norms = [
    normalise(Source(path=str(p), format="text", text=decode(p.read_bytes())), artefacts)
    for p in paths
]
n = len(norms)


def cpu_ms(func):
    times = []
    for _ in range(rounds):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    times.sort()
    return 1000 * times[len(times) // 2] / n


def cold():
    pipeline().cache.clear()
    find_concerns(norms)


def rules_only():
    pipeline(use_model=False).cache.clear()
    find_concerns(norms, use_model=False)


find_concerns(norms)  # build the pipeline, read every word once
find_concerns(norms, use_model=False)
out = {"letters": n, "cold": cpu_ms(cold), "warm": cpu_ms(lambda: find_concerns(norms))}
out["rules"] = cpu_ms(rules_only)
print(json.dumps(out))
"""

#: A new process reading one letter; with "find" it also finds its concerns.
STARTUP = """
import sys
from lgo_check.extract.narrative import find_concerns
from lgo_check.model import Source
from lgo_check.normalise import normalise
norm = normalise(Source(path="x", format="text", text=open(sys.argv[1]).read()))
if sys.argv[2] == "find":
    find_concerns([norm])
"""


def letters(folders: list[Path]) -> list[Path]:
    return sorted(p for f in folders for p in f.rglob("*") if p.suffix in (".txt", ".md"))


def _env(checkout: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(checkout), env.get("PYTHONPATH", "")])
    return env


def per_letter(checkout: Path, paths: list[Path], rounds: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([str(p) for p in paths]), str(rounds)],
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
        env=_env(checkout),
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def startup(checkout: Path, path: Path, what: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a new process reading one letter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", STARTUP, str(path), what],
        check=True,
        cwd=checkout,
        env=_env(checkout),
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--against", type=Path, help="another checkout, measured alongside")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per figure (median)")
    parser.add_argument("--repeats", type=int, default=3, help="processes per checkout")
    args = parser.parse_args()
    folders = args.folders or [ROOT / "examples", ROOT / "tests" / "letters"]
    paths = [p.resolve() for p in letters(folders)]
    checkouts = {"this checkout": ROOT}
    if args.against:
        checkouts = {f"against {args.against}": args.against.resolve(), **checkouts}
    figures: dict[str, dict[str, list[float]]] = {name: {} for name in checkouts}
    for _ in range(args.repeats):
        for name, checkout in checkouts.items():  # alternate, so load hits both alike
            result = per_letter(checkout, paths, args.rounds)
            for key in ("cold", "warm", "rules"):
                figures[name].setdefault(key, []).append(result[key])
            for what in ("import", "find"):
                cpu, wall = startup(checkout, paths[0], what)
                figures[name].setdefault(f"{what} cpu", []).append(cpu)
                figures[name].setdefault(f"{what} wall", []).append(wall)
    rows: list[tuple[str, Callable[[dict[str, list[float]]], str]]] = [
        ("cold (every paragraph new)", lambda f: f"{_median(f['cold']):6.2f} ms"),
        ("warm (paragraphs remembered)", lambda f: f"{_median(f['warm']):6.2f} ms"),
        ("rules only, cold", lambda f: f"{_median(f['rules']):6.2f} ms"),
        ("start-up, one letter (CPU)", lambda f: f"{_median(f['find cpu']):6.2f} s "),
        (
            "  of which the pipeline (CPU)",
            lambda f: f"{_median(f['find cpu']) - _median(f['import cpu']):6.2f} s ",
        ),
        ("start-up, one letter (wall)", lambda f: f"{_median(f['find wall']):6.2f} s "),
    ]
    print(
        f"{len(paths)} text letters; narrative concerns, CPU time per letter in a warm "
        f"process (median of {args.rounds} rounds x {args.repeats} processes); start-up "
        f"median of {args.repeats} new processes"
    )
    names = list(checkouts)
    print(f"{'':32s}" + "".join(f"{name[-28:]:>30s}" for name in names))
    for label, show in rows:
        print(f"{label:32s}" + "".join(f"{show(figures[name]):>30s}" for name in names))


if __name__ == "__main__":
    main()
