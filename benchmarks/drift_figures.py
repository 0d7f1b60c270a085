"""Figures right, empty and wrong on the drift letters, and gaps that no finding names.

python benchmarks/drift_figures.py [--cmd .venv/bin/lgo-check] [--verbose]

Runs lgo-check (JSON output) on ``tests/drift/`` and compares every statistics field
with the letter's truth in ``tests/drift/expected.json``:
right (the figure), empty (null where the letter states one), wrong (any other value,
or a value where the letter's own statistics state none). A gap is an empty figure;
it is named if a `statistics-missing` finding mentions its ``block.field`` or says the
whole block or all statistics could not be found.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from lgo_check.builtin_rules import BLOCK_TITLES
from lgo_check.model import FIGURE_FIELDS

ROOT = Path(__file__).resolve().parent.parent
DRIFT = ROOT / "tests" / "drift"


def named(path: str, messages: list[str]) -> bool:
    block = path.split(".")[0]
    return any(
        path in m
        or m.startswith("No statistics were found")
        or (f"The {BLOCK_TITLES[block]} statistics could not be found" in m)
        for m in messages
    )


def score(report: dict[str, Any], truth: list[dict[str, Any]], verbose: bool) -> dict[str, int]:
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    counts = {"letters": 0, "right": 0, "empty": 0, "wrong": 0, "unnamed_gaps": 0}
    for entry in truth:
        counts["letters"] += 1
        got = by_name[entry["file"]]
        stats = (got.get("letter") or {}).get("statistics") or {}
        messages = [f["message"] for f in got["findings"] if f["rule"] == "statistics-missing"]
        for block, fields in FIGURE_FIELDS.items():
            for name in fields:
                path = f"{block}.{name}"
                want = entry["truth"].get(path)
                value = (stats.get(block) or {}).get(name)
                if want is None and value is None:
                    continue
                if value is None:
                    counts["empty"] += 1
                    if not named(path, messages):
                        counts["unnamed_gaps"] += 1
                        if verbose:
                            print(f"  gap not named  {entry['file']}: {path} (is {want})")
                elif want is not None and abs(float(value) - float(want)) < 1e-9:
                    counts["right"] += 1
                else:
                    counts["wrong"] += 1
                    if verbose:
                        print(f"  WRONG          {entry['file']}: {path} = {value}, is {want}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cmd",
        default=str(ROOT / ".venv" / "bin" / "lgo-check"),
        help="the lgo-check command (split like a shell would)",
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    truth = json.loads((DRIFT / "expected.json").read_text(encoding="utf-8"))["letters"]
    files = [str(DRIFT / e["file"]) for e in truth]
    proc = subprocess.run(
        [*shlex.split(args.cmd), "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        print(proc.stderr[-2000:])
        return 2
    counts = score(json.loads(proc.stdout), truth, args.verbose)
    total = counts["right"] + counts["empty"] + counts["wrong"]
    print(
        f"{counts['letters']} drift letters, {total} figures: {counts['right']} right, "
        f"{counts['empty']} empty, {counts['wrong']} wrong; "
        f"{counts['unnamed_gaps']} empty figures not named by statistics-missing"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
