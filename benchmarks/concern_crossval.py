"""How the concern classifier does on wording it was not trained on: leave one file out.

python benchmarks/concern_crossval.py [--threshold T ...] [--file NAME ...]

For each JSON Lines file of ``tests/concern_corpus/`` in turn, the classifier is
trained as ``python -m lgo_check.extract.concerns.classifier`` trains it (same
seed, same letters' paragraphs as negatives) on every *other* file, and the
concern component, with that model and its cue words, reads each passage of the
held-out file. Printed per kind, pooled over the folds: precision and recall of
the model alone (the findings whose ``found_by`` is "model" or "both"), of the
rules alone, and of both together (what lgo-check reports), and how many passages
labelled with no kind stay silent.

The rules were written with every file in view, so only the model's figures are
held out; the rules' are printed to show what the model adds. Each threshold
given is applied to the same trained folds (default: the configured default).
Takes about a minute (a model trained per file).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lgo_check.extract.concerns.classifier import LABELS, default_corpus, train  # noqa: E402
from lgo_check.extract.narrative import DEFAULT_THRESHOLD, _is_title, blocks  # noqa: E402

WAYS = ("model", "rules", "both together")


def fold_pipeline(model_dir: Path, threshold: float) -> Any:
    """The narrative pipeline as lgo-check builds it, with the fold's model."""
    from lgo_check.extract.concerns import component, lemmas, sentences  # noqa: F401
    from lgo_check.extract.narrative import import_spacy

    spacy = import_spacy()
    nlp = spacy.load(model_dir)
    nlp.rename_pipe("textcat_multilabel", "lgo_textcat")
    for name in ("lgo_textcat", "lgo_lemmatizer"):
        nlp.disable_pipe(name)
    config = {"threshold": threshold, "use_model": True, "model_dir": str(model_dir)}
    nlp.add_pipe("lgo_concerns", config=config)
    return nlp


def passages(path: Path) -> list[tuple[str, set[str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out.append((item["text"], set(item["kinds"])))
    return out


def found(nlp: Any, texts: Sequence[str]) -> list[dict[str, set[str]]]:
    """For each text, the kinds found by each way (model, rules, both together)."""
    from lgo_check.extract.concerns.component import SPANS_KEY

    pieces: list[tuple[int, str]] = []
    for number, text in enumerate(texts):
        for start, end in blocks(text):
            if not _is_title(text[start:end]):
                pieces.append((number, " ".join(text[start:end].split())))
    out: list[dict[str, set[str]]] = [{way: set() for way in WAYS} for _ in texts]
    docs = nlp.pipe((piece for _, piece in pieces), batch_size=64)
    for (number, _), doc in zip(pieces, docs, strict=True):
        group = doc.spans[SPANS_KEY]
        for span, way in zip(group, group.attrs["found_by"], strict=True):
            out[number]["both together"].add(span.label_)
            if way in ("model", "both"):
                out[number]["model"].add(span.label_)
            if way in ("rules", "both"):
                out[number]["rules"].add(span.label_)
    return out


def table(results: Sequence[tuple[set[str], dict[str, set[str]]]], way: str) -> list[str]:
    counts = {kind: [0, 0, 0] for kind in LABELS}
    silent = negatives = 0
    for truth, got in results:
        kinds = got[way]
        if not truth:
            negatives += 1
            silent += not kinds
        for kind in LABELS:
            row = counts[kind]
            if kind in truth and kind in kinds:
                row[0] += 1
            elif kind in kinds:
                row[1] += 1
            elif kind in truth:
                row[2] += 1
    lines = [f"  {'kind':28s}  TP  FP  FN  precision  recall"]
    five = [0, 0, 0]
    for kind in LABELS:
        tp, fp, fn = counts[kind]
        if kind != "other_concern":
            five = [five[0] + tp, five[1] + fp, five[2] + fn]
        lines.append(
            f"  {kind:28s} {tp:3d} {fp:3d} {fn:3d}       {ratio(tp, fp)}    {ratio(tp, fn)}"
        )
    tp, fp, fn = five
    lines.append(
        f"  {'all five kinds':28s} {tp:3d} {fp:3d} {fn:3d}       {ratio(tp, fp)}    {ratio(tp, fn)}"
    )
    lines.append(f"  passages with no kind: {negatives}, of which silent: {silent}")
    return lines


def ratio(hits: int, others: int) -> str:
    return f"{hits / (hits + others):.2f}" if hits + others else " n/a"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, action="append")
    parser.add_argument("--file", action="append", help="hold out only these files (names)")
    args = parser.parse_args(argv)
    thresholds = args.threshold or [DEFAULT_THRESHOLD]
    corpus = default_corpus()
    held_out = [p for p in corpus if not args.file or p.name in args.file]
    results: dict[float, list[tuple[set[str], dict[str, set[str]]]]] = {t: [] for t in thresholds}
    with tempfile.TemporaryDirectory() as tmp:
        for path in held_out:
            model_dir = Path(tmp) / path.stem
            train([p for p in corpus if p != path], model_dir)
            nlp = fold_pipeline(model_dir, thresholds[0])
            items = passages(path)
            for threshold in thresholds:
                nlp.get_pipe("lgo_concerns").threshold = threshold
                got = found(nlp, [text for text, _ in items])
                results[threshold] += [(truth, g) for (_, truth), g in zip(items, got, strict=True)]
            fold = results[thresholds[0]][-len(items) :]
            summary = "; ".join(
                f"{way} " + " ".join(table(fold, way)[-2].split()[3:]) for way in WAYS
            )
            print(
                f"held out {path.name} ({len(items)} passages), all five kinds, TP FP FN P R "
                f"at {thresholds[0]}: {summary}",
                file=sys.stderr,
            )
    names = ", ".join(p.name for p in held_out)
    for threshold in thresholds:
        for way in WAYS:
            print(f"{way}, threshold {threshold} (held out in turn: {names})")
            print("\n".join(table(results[threshold], way)))


if __name__ == "__main__":
    main()
