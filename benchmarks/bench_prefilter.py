"""Why the narrative pre-filter reads word bits rather than spaCy's PhraseMatcher.

python benchmarks/bench_prefilter.py [--rounds N] [FOLDER ...]
(default folders: examples/ and tests/letters/ of this checkout)

The pre-filter decides, for each block of a letter's prose, whether any concern
pattern or the model could find something in it; most blocks are the Ombudsman's
standard paragraphs and are passed over. Two ways of deciding, timed on the same
blocks (CPU time per letter, median of the rounds, nothing remembered between
rounds):

- word bits (what lgo-check does): each lower-case word looked up once per process
  (timed both afresh and remembered) for the bits of the pattern requirements, cues
  and anchors it meets, then integer tests (``ConcernFinder.bits``, ``model_gate``, ``candidates``);
- PhraseMatcher: spaCy tokenises every block (``nlp.make_doc``) and a
  ``PhraseMatcher`` on lower-case forms looks for any word that has bits. This is
  the cheaper half of what a PhraseMatcher pre-filter would do: it still has to
  combine the matches into the same per-pattern and per-kind tests afterwards.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lgo_check.extract.layout import metadata_wording  # noqa: E402
from lgo_check.extract.narrative import blocks, pipeline  # noqa: E402
from lgo_check.load.text import decode  # noqa: E402
from lgo_check.model import Source  # noqa: E402
from lgo_check.normalise import normalise  # noqa: E402


def letter_blocks(folders: list[Path]) -> list[list[str]]:
    artefacts = metadata_wording().artefacts
    letters = []
    for path in sorted(p for folder in folders for p in folder.glob("*.txt")):
        source = Source(path=str(path), format="text", text=decode(path.read_bytes()))
        text = normalise(source, artefacts).text
        letters.append([text[s:e].replace("\n", " ") for s, e in blocks(text)])
    return letters


def cpu_ms(func: Callable[[], object], rounds: int, letters: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return 1000 * statistics.median(times) / letters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    folders = args.folders or [ROOT / "examples", ROOT / "tests" / "letters"]
    letters = letter_blocks(folders)
    every_block = [block for letter in letters for block in letter]
    pipe = pipeline()
    finder, nlp = pipe.finder, pipe.nlp

    from spacy.matcher import PhraseMatcher

    words = {w for block in every_block for w in re.findall(r"\w+", block.lower())}
    relevant = sorted(w for w in words if finder.bits(w))
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("relevant", [nlp.make_doc(w) for w in relevant])

    def by_bits_afresh() -> None:
        finder._word_bits.clear()  # every word looked up again, as in a run's first letter
        by_bits()

    def by_bits() -> None:
        for block in every_block:
            bits = finder.bits(block)
            finder.model_gate(bits) or finder.candidates(bits)

    def by_phrase_matcher() -> None:
        for block in every_block:
            matcher(nlp.make_doc(block))

    def tokenise_only() -> None:
        for block in every_block:
            nlp.make_doc(block)

    n = len(letters)
    print(f"{n} letters, {len(every_block)} blocks; CPU ms per letter, median of {args.rounds}")
    print(f"  word bits, words looked up afresh:   {cpu_ms(by_bits_afresh, args.rounds, n):.3f}")
    print(f"  word bits, words remembered:         {cpu_ms(by_bits, args.rounds, n):.3f}")
    print(f"  spaCy tokenising alone:              {cpu_ms(tokenise_only, args.rounds, n):.3f}")
    print(f"  tokenising + PhraseMatcher (LOWER):  {cpu_ms(by_phrase_matcher, args.rounds, n):.3f}")


if __name__ == "__main__":
    main()
