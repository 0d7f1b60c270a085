"""Figures right, empty and wrong on the drift letters written as Word documents.

python benchmarks/drift_word.py [--seeds N]

The plain-text drift letters (``tests/drift/*.txt``, and more from the generator's
seeds 1..N) are written as Word documents twice, as ``tests/test_word_drift.py``
writes them: plainly (a Word paragraph per paragraph, tables as Word tables) and
dressed (content controls, custom XML, text boxes, fields whose instruction holds
another number, tracked insertions replacing a deleted figure, hidden runs with
another figure). Each is read by the Word loader in this process and compared with
the letter's truth: right, empty (null where the letter states a figure), wrong (any
other value), and empty figures that no `statistics-missing` finding names.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from drift_letters import build  # noqa: E402
from test_drift import FIGURE_FIELDS, named  # noqa: E402
from test_word_drift import read_word_letter, word_letter  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=200, help="generator seeds to add")
    args = parser.parse_args()
    letters = [
        (e["file"], (ROOT / "tests" / "drift" / e["file"]).read_text(encoding="utf-8"), e["truth"])
        for e in json.loads((ROOT / "tests/drift/expected.json").read_text(encoding="utf-8"))[
            "letters"
        ]
        if e["file"].endswith(".txt")
    ]
    for seed in range(1000, 1000 + args.seeds):
        name, text, truth, _ = build(seed)
        if name.endswith(".txt"):
            letters.append((name, text, truth))
    with tempfile.TemporaryDirectory() as folder:
        for label, dressing in (("plain", None), ("dressed", 7)):
            counts = {"right": 0, "empty": 0, "wrong": 0, "unnamed": 0}
            for number, (_, text, truth) in enumerate(letters):
                path = Path(folder) / f"{number}.docx"
                letter, messages = read_word_letter(word_letter(text, path, dressing))
                stats = letter.statistics.model_dump()
                for block, fields in FIGURE_FIELDS.items():
                    for name in fields:
                        want = truth.get(f"{block}.{name}")
                        got = (stats.get(block) or {}).get(name)
                        if want is None and got is None:
                            continue
                        if got is None:
                            counts["empty"] += 1
                            counts["unnamed"] += not named(f"{block}.{name}", messages)
                        elif want is not None and abs(got - want) < 1e-9:
                            counts["right"] += 1
                        else:
                            counts["wrong"] += 1
            print(
                f"{len(letters)} drift letters as Word, {label}: {counts['right']} right, "
                f"{counts['empty']} empty, {counts['wrong']} wrong; "
                f"{counts['unnamed']} empty figures not named by statistics-missing"
            )


if __name__ == "__main__":
    main()
