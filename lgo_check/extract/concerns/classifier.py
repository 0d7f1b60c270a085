"""The trained half of concern finding: a spaCy ``textcat_multilabel`` per sentence.

The model reads a sentence as its lemmas (numbers made ``<num>``, punctuation
dropped) with spaCy's bag-of-words text classifier (unigrams and bigrams), one
score per concern kind. It is trained by the project from its own written corpus
(``tests/concern_corpus/*.jsonl``) with a fixed seed::

    python -m lgo_check.extract.concerns.classifier

and the result is saved in ``lgo_check/extract/concerns/model/`` (a spaCy
pipeline directory: tokenizer, sentencizer, lemmatiser with its lookup table, the
classifier) together with ``cues.json``: for each kind, the words whose presence
raises its score (``CUE_MARGIN``). A sentence without any cue word cannot reach
the threshold on its own words, so it is not scored: that keeps the model off the
boilerplate most of a letter is made of. Nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, get_args

from lgo_check.model import ConcernKind

MODEL_DIR = Path(__file__).resolve().parent / "model"
ROOT = Path(__file__).resolve().parents[3]
CORPUS_DIR = ROOT / "tests" / "concern_corpus"
#: The project's own letters (boilerplate reworded): their paragraphs outside the
#: concerns their expected.json lists are negatives, so the standard paragraphs
#: every letter carries are learnt as "no concern".
LETTER_DIRS = (ROOT / "tests" / "letters", ROOT / "examples")
LABELS: tuple[str, ...] = get_args(ConcernKind)
SEED = 7
EPOCHS = 24
BATCH = 8
#: How much a word alone must raise a kind's log-odds to be one of its cues.
CUE_MARGIN = 0.3
#: Rows of the hashed feature table: 2**16 x 6 kinds x 4 bytes is 1.5 MB.
HASH_ROWS = 2**16

_TEXTCAT = {
    "@architectures": "spacy.TextCatBOW.v3",
    "exclusive_classes": False,
    "ngram_size": 2,
    "no_output_layer": False,
    "length": HASH_ROWS,
}


#: The words the classifier reads, in lower-case text.
UNIT = re.compile(r"[a-z]+|\d[\d.,]*|[;:]")


def unit_word(word: str, lemma: Callable[[str], str]) -> str:
    """What the classifier reads of one word that UNIT found (the concern component
    remembers this per word)."""
    return "<num>" if word[0].isdigit() else word if word in ";:" else lemma(word)


def unit_words(text: str, lemma: Callable[[str], str]) -> list[str]:
    """What the classifier reads of a sentence: lemmas of its words, numbers as ``<num>``.

    Read from the text with a regular expression (not spaCy's tokens: that is
    several times faster, and training reads the same way).
    """
    return [unit_word(word, lemma) for word in UNIT.findall(text.lower())]


def base_pipeline() -> Any:
    """Tokenizer, sentencizer and lemmatiser (tables from spacy-lookups-data)."""
    import spacy

    from lgo_check.extract.concerns import lemmas  # noqa: F401  (registers lgo_lemmatizer)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lgo_lemmatizer")
    lemmatiser: Any = nlp.get_pipe("lgo_lemmatizer")
    lemmatiser.initialize()
    return nlp


def read_corpus(paths: Sequence[Path]) -> list[tuple[str, list[str]]]:
    """(text, kinds) of every passage in the JSON Lines files, sorted by id."""
    items: list[tuple[str, str, list[str]]] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            item = json.loads(line)
            kinds = list(item["kinds"])
            unknown = set(kinds) - set(LABELS)
            if unknown:
                raise ValueError(f"{path}:{number}: unknown kind(s) {sorted(unknown)}")
            items.append((f"{path.name}:{item['id']}", item["text"], kinds))
    items.sort(key=lambda item: item[0])
    return [(text, kinds) for _, text, kinds in items]


def letter_negatives(folders: Sequence[Path] = LETTER_DIRS) -> list[tuple[str, list[str]]]:
    """The paragraphs of the project's own letters that hold no concern, as (text, [])."""
    from lgo_check.extract.layout import metadata_wording
    from lgo_check.extract.narrative import _is_title, blocks
    from lgo_check.load.text import decode
    from lgo_check.model import Source
    from lgo_check.normalise import normalise

    out: list[tuple[str, list[str]]] = []
    for folder in folders:
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        for entry in sorted(expected["letters"], key=lambda e: str(e["file"])):
            concerns = entry.get("concerns") or []
            if any("line" not in c for c in concerns):
                continue  # a concern whose place is not given: no paragraph is known clean
            path = folder / entry["file"]
            text = decode(path.read_bytes())
            fmt = "markdown" if path.suffix == ".md" else "text"
            source = Source(path=str(path), format=fmt, text=text)
            norm = normalise(source, metadata_wording().artefacts)
            lines = {c["line"] for c in concerns}
            for start, end in blocks(norm.text):
                block = norm.text[start:end]
                span = norm.span(start, end)
                if _is_title(block) or any(span.line <= n <= span.end_line for n in lines):
                    continue
                out.append((" ".join(block.split()), []))
    return out


def default_corpus() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.jsonl"))


def train(
    corpus: Sequence[Path], out: Path, seed: int = SEED, *, letters: bool = True
) -> dict[str, Any]:
    """Train the classifier on the corpus and save the pipeline in ``out``."""
    from spacy.tokens import Doc
    from spacy.training import Example
    from thinc.api import Adam, fix_random_seed

    fix_random_seed(seed)
    nlp = base_pipeline()
    textcat: Any = nlp.add_pipe("textcat_multilabel", config={"model": _TEXTCAT, "threshold": 0.5})
    passages = read_corpus(corpus) + (letter_negatives() if letters else [])
    texts = [text for text, _ in passages]
    lemma = nlp.get_pipe("lgo_lemmatizer").lemma
    examples = [
        Example.from_dict(
            Doc(nlp.vocab, words=unit_words(text, lemma) or ["<empty>"]),
            {"cats": {label: float(label in kinds) for label in LABELS}},
        )
        for text, kinds in passages
    ]
    textcat.initialize(lambda: examples, nlp=nlp, labels=list(LABELS))
    optimizer = Adam(0.002)
    order = random.Random(seed)
    for _ in range(EPOCHS):
        shuffled = list(examples)
        order.shuffle(shuffled)
        for start in range(0, len(shuffled), BATCH):
            textcat.update(shuffled[start : start + BATCH], sgd=optimizer, drop=0.0)
    cues = _cues(nlp, textcat, examples)
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    info = {
        "passages": len(passages),
        "corpus_sha256": digest,
        "seed": seed,
        "cues": cues,
    }
    (out / "cues.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return info


def _cues(nlp: Any, textcat: Any, examples: Sequence[Any]) -> dict[str, list[str]]:
    """For each kind, the training words that alone raise its log-odds by CUE_MARGIN."""
    import numpy
    from spacy.tokens import Doc

    vocabulary = sorted({token.text for ex in examples for token in ex.predicted})
    docs = [Doc(nlp.vocab, words=[word]) for word in [*vocabulary, "<none>"]]
    scores = numpy.asarray(textcat.predict(docs), dtype="float64").clip(1e-9, 1 - 1e-9)
    logits = numpy.log(scores / (1 - scores))
    raised = logits[:-1] - logits[-1]
    from spacy.lang.en.stop_words import STOP_WORDS

    return {
        label: [
            word
            for word, r in zip(vocabulary, raised[:, j], strict=True)
            if r > CUE_MARGIN and word not in STOP_WORDS and word.isalpha()
        ]
        for j, label in enumerate(textcat.labels)
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the concern classifier (fixed seed).")
    parser.add_argument("corpus", nargs="*", type=Path, help="JSON Lines files (default: all)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    info = train(args.corpus or default_corpus(), args.out, args.seed)
    sizes = {k: len(v) for k, v in info["cues"].items()}
    print(f"trained on {info['passages']} passages -> {args.out} (cue words per kind: {sizes})")


if __name__ == "__main__":
    main()
