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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, get_args

from lgo_check.model import ConcernKind

MODEL_DIR = Path(__file__).resolve().parent / "model"
CORPUS_DIR = Path(__file__).resolve().parents[3] / "tests" / "concern_corpus"
LABELS: tuple[str, ...] = get_args(ConcernKind)
SEED = 7
EPOCHS = 24
BATCH = 8
#: How much a word alone must raise a kind's log-odds to be one of its cues.
CUE_MARGIN = 0.25
#: Rows of the hashed feature table: 2**16 x 6 kinds x 4 bytes is 1.5 MB.
HASH_ROWS = 2**16

_DIGIT = re.compile(r"\d")
_TEXTCAT = {
    "@architectures": "spacy.TextCatBOW.v3",
    "exclusive_classes": False,
    "ngram_size": 2,
    "no_output_layer": False,
    "length": HASH_ROWS,
}


def unit_words(tokens: Iterable[Any]) -> list[str]:
    """What the classifier reads of a sentence: lemmas, numbers as ``<num>``."""
    words: list[str] = []
    for token in tokens:
        if token.is_space or (token.is_punct and token.text not in (";", ":")):
            continue
        if _DIGIT.search(token.text) or token.like_num:
            words.append("<num>")
        else:
            words.append(token.lemma_ or token.lower_)
    return words


def base_pipeline() -> Any:
    """Tokenizer, sentencizer and lemmatiser (tables from spacy-lookups-data)."""
    import spacy

    from lgo_check.extract.concerns import lemmas  # noqa: F401  (registers lgo_lemmatizer)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lgo_lemmatizer")
    nlp.get_pipe("lgo_lemmatizer").initialize()
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


def default_corpus() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.jsonl"))


def train(corpus: Sequence[Path], out: Path, seed: int = SEED) -> dict[str, Any]:
    """Train the classifier on the corpus and save the pipeline in ``out``."""
    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch
    from thinc.api import Adam

    fix_random_seed(seed)
    nlp = base_pipeline()
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": _TEXTCAT, "threshold": 0.5})
    passages = read_corpus(corpus)
    texts = [text for text, _ in passages]
    docs = list(nlp.pipe(texts, disable=["textcat_multilabel"]))
    examples = [
        Example.from_dict(
            Doc(nlp.vocab, words=unit_words(doc) or ["<empty>"]),
            {"cats": {label: float(label in kinds) for label in LABELS}},
        )
        for doc, (_, kinds) in zip(docs, passages, strict=True)
    ]
    textcat.initialize(lambda: examples, nlp=nlp, labels=list(LABELS))
    optimizer = Adam(0.002)
    order = random.Random(seed)
    for _ in range(EPOCHS):
        shuffled = list(examples)
        order.shuffle(shuffled)
        for batch in minibatch(shuffled, size=BATCH):
            textcat.update(batch, sgd=optimizer, drop=0.0)
    cues = _cues(nlp, textcat, examples)
    lemmas = {lemma for words in cues.values() for lemma in words}
    # The written forms of the cue words, for a pre-filter that needs no lemmatiser.
    forms = sorted(lemmas | {form for form, lemma in _lemma_table().items() if lemma in lemmas})
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    info = {
        "passages": len(passages),
        "corpus_sha256": digest,
        "seed": seed,
        "cues": cues,
        "forms": forms,
    }
    (out / "cues.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return info


def _lemma_table() -> dict[str, str]:
    """spaCy's English lookup table, as spacy-lookups-data ships it."""
    import gzip

    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    table: dict[str, str] = json.loads(gzip.decompress(path.read_bytes()))
    return table


def _cues(nlp: Any, textcat: Any, examples: Sequence[Any]) -> dict[str, list[str]]:
    """For each kind, the training words that alone raise its log-odds by CUE_MARGIN."""
    import numpy
    from spacy.tokens import Doc

    vocabulary = sorted({token.text for ex in examples for token in ex.predicted})
    docs = [Doc(nlp.vocab, words=[word]) for word in [*vocabulary, "<none>"]]
    scores = numpy.asarray(textcat.predict(docs), dtype="float64").clip(1e-9, 1 - 1e-9)
    logits = numpy.log(scores / (1 - scores))
    raised = logits[:-1] - logits[-1]
    return {
        label: [w for w, r in zip(vocabulary, raised[:, j], strict=True) if r > CUE_MARGIN]
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
