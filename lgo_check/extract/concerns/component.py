"""``lgo_concerns``: the spaCy pipeline component that finds concerns in a block of prose.

Like spaCy's ``SpanRuler`` it writes ``doc.spans``: under ``SPANS_KEY``, one span
per sentence and kind it finds, labelled with the kind. ``doc.spans[SPANS_KEY].attrs``
holds, in the same order, how each was found (``found_by``: "rules", "model" or
"both"), the model's score for the kind (``score``, ``None`` when the sentence was
not scored) and the character ranges of the rule matches (``evidence``, for the share).

In each sentence:

1. Rules: every pattern of ``rules/concerns/`` whose words the block has is
   matched by spaCy's ``Matcher``.
2. Model: a sentence with at least one cue word is scored by the trained
   ``textcat_multilabel`` (see ``classifier.py``), in one batch for all the docs
   given to ``pipe``; a score at or above ``threshold`` finds the kind if the
   sentence also has one of the kind's ``model_anchors``: a word for what the
   kind is about (enquiries, recommendations, a summons, a report, an earlier
   year), so that the model's sense of criticism is tied to its subject.
3. Negation (``negation.py``): a rule match that a trigger outside it reaches
   (a denial or resolution, "we have no concerns about ...", "... has been
   resolved"; or a general statement, "any council that ...", "we can issue
   ...") is dropped; so is a model finding when half its cue words are reached.
   There are no per-kind exceptions: one NegEx step serves every kind.

Either a rule or the model finding a kind is enough.

Long sentences are matched in overlapping windows of ``WINDOW`` tokens, so the
matcher's cost grows linearly with the length of a run-on sentence.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from lgo_check.extract.concerns.classifier import MODEL_DIR, unit_words
from lgo_check.extract.concerns.negation import NegEx, Scopes, Termsets

SPANS_KEY = "lgo_concerns"
WINDOW = 120
#: A sentence of fewer words (a heading, a list label) is not scored by the model.
MIN_MODEL_WORDS = 6
_STRIDE = 80


@dataclass
class _Sentence:
    span: Span
    text: str
    words: Any  # narrative.Words of the sentence
    lemmas: list[str] | None = None
    scopes: Scopes | None = None


class ConcernFinder:
    """Rules, model and negation over the sentences of a block (see the module doc)."""

    def __init__(self, nlp: Language, name: str, threshold: float, use_model: bool) -> None:
        from lgo_check.extract import narrative

        self.name = name
        self.threshold = threshold
        self._narrative = narrative
        self.catalogue = narrative.catalogue()
        self.matchers, self.aligners = narrative.build_matchers(nlp, self.catalogue)
        # spaCy's lookup lemmatiser, asked word by word for the sentences that need it.
        lemmatiser: Any = nlp.get_pipe("lgo_lemmatizer")
        self.lemma = lemmatiser.lemma

        def lemmatise(text: str) -> tuple[str, ...]:
            return tuple(self.lemma(t.lower_) for t in nlp.make_doc(text))

        self.negex = NegEx(Termsets.from_words(lemmatise, **self.catalogue.negation))
        self.textcat: Any = None
        self.cues: dict[str, frozenset[str]] = {}
        if use_model and "lgo_textcat" in nlp.component_names:
            self.textcat = nlp.get_pipe("lgo_textcat")
            info = json.loads((MODEL_DIR / "cues.json").read_text(encoding="utf-8"))
            self.cues = {kind: frozenset(words) for kind, words in info["cues"].items()}
        self.anchors = {
            spec.kind: frozenset(lemma for word in spec.model_anchors for lemma in lemmatise(word))
            for spec in self.catalogue.kinds
            if spec.model_anchors
        }

    def lemmas_of(self, words: Iterable[str]) -> set[str]:
        return {self.lemma(word) for word in words}

    def model_could(self, lemmas: set[str]) -> bool:
        """Whether the model may find a kind in text with these lemmas.

        It is consulted only where a cue word of a kind meets one of that kind's
        anchors (other_concern has none): the same test pre-filters blocks, so
        the pre-filter hides nothing.
        """
        for kind, cues in self.cues.items():
            if cues.isdisjoint(lemmas):
                continue
            anchors = self.anchors.get(kind)
            if anchors is None or not anchors.isdisjoint(lemmas):
                return True
        return False

    def __call__(self, doc: Doc) -> Doc:
        self._process([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= batch_size:
                self._process(batch)
                yield from batch
                batch = []
        if batch:
            self._process(batch)
            yield from batch

    # ------------------------------------------------------------------

    def _process(self, docs: list[Doc]) -> None:
        words_of = self._narrative.Words
        found: list[dict[tuple[int, str], dict[str, Any]]] = []
        to_score: list[tuple[int, int, _Sentence]] = []
        units: list[Doc] = []
        all_sentences: list[list[_Sentence]] = []
        for d, doc in enumerate(docs):
            text = doc.text
            words = words_of(text)
            candidates = self.catalogue.candidates(words)
            sentences = []
            for s in doc.sents:
                sent_text = text[s.start_char : s.end_char]
                sentences.append(_Sentence(s, sent_text, words_of(sent_text)))
            all_sentences.append(sentences)
            hits: dict[tuple[int, str], dict[str, Any]] = {}
            context: dict[str, bool] = {}
            for k, sent in enumerate(sentences):
                for kind, entry in candidates:
                    if entry.extra is not None:
                        if entry.extra_label not in context:
                            context[entry.extra_label] = any(
                                self._matches(entry.extra_label, entry.extra_requires, s)
                                for s in sentences
                            )
                        if not context[entry.extra_label]:
                            continue
                    for start, end in self._matches(entry.label, entry.requires, sent):
                        if self._scopes(sent).negates(start, end):
                            continue
                        hit = hits.setdefault((k, kind), {"rules": True, "evidence": []})
                        first, last = sent.span[start], sent.span[end - 1]
                        hit["evidence"].append((first.idx, last.idx + len(last)))
                if self.textcat is not None and self.model_could(self.lemmas_of(sent.words.words)):
                    unit = unit_words(sent.text, self.lemma)
                    if len(unit) >= MIN_MODEL_WORDS:
                        to_score.append((d, k, sent))
                        units.append(Doc(doc.vocab, words=unit))
            found.append(hits)
        if to_score:
            scores = self.textcat.predict(units)
            labels = list(self.textcat.labels)
            for row, (d, k, sent) in enumerate(to_score):
                for j, kind in enumerate(labels):
                    score = float(scores[row, j])
                    known = found[d].get((k, kind))
                    if known is not None:
                        known["score"] = score
                    if score < self.threshold:
                        continue
                    lemmas = self._lemmas(sent)
                    anchors = self.anchors.get(kind)
                    found_lemmas = self.lemmas_of(sent.words.words)
                    if self.cues[kind].isdisjoint(found_lemmas) or (
                        anchors is not None and anchors.isdisjoint(found_lemmas)
                    ):
                        continue
                    cues = [i for i, lemma in enumerate(lemmas) if lemma in self.cues[kind]]
                    if self._scopes(sent).negates_most(cues):
                        continue
                    hit = found[d].setdefault((k, kind), {"rules": False, "evidence": []})
                    hit["model"] = True
                    hit["score"] = score
        for doc, hits, sentences in zip(docs, found, all_sentences, strict=True):
            spans, found_by, scores_out, evidence = [], [], [], []
            for (k, kind), hit in sorted(hits.items()):
                span = sentences[k].span
                spans.append(Span(doc, span.start, span.end, label=kind))
                model = hit.get("model", False)
                found_by.append(
                    "both" if hit["rules"] and model else "rules" if hit["rules"] else "model"
                )
                scores_out.append(hit.get("score"))
                evidence.append(hit["evidence"])
            doc.spans[SPANS_KEY] = SpanGroup(
                doc,
                name=SPANS_KEY,
                spans=spans,
                attrs={"found_by": found_by, "score": scores_out, "evidence": evidence},
            )

    def _lemmas(self, sent: _Sentence) -> list[str]:
        if sent.lemmas is None:
            sent.lemmas = [self.lemma(t.lower_) for t in sent.span]
        return sent.lemmas

    def _scopes(self, sent: _Sentence) -> Scopes:
        if sent.scopes is None:
            sent.scopes = self.negex.scopes(self._lemmas(sent), [t.lower_ for t in sent.span])
        return sent.scopes

    def _matches(self, label: str, requires: Any, sent: _Sentence) -> list[tuple[int, int]]:
        """(start, end) token offsets within the sentence of the entry's matches there."""
        if requires and not sent.words.meets(requires):
            return []
        span, matcher = sent.span, self.matchers[label]
        if len(span) <= WINDOW:
            found = {(s, e) for _, s, e in matcher(span)}
        else:
            # Windows overlap by WINDOW - _STRIDE tokens, more than any pattern spans.
            found = set()
            for offset in range(0, len(span) - WINDOW + _STRIDE, _STRIDE):
                part = span[offset : offset + WINDOW]
                found |= {(offset + s, offset + e) for _, s, e in matcher(part)}
        aligner = self.aligners.get(label)
        if found and aligner is not None:
            lowers = [t.lower_ for t in span]
            found = {(s, e) for s, e in found if aligner.aligns(lowers[s:e])}
        return sorted(found)


@Language.factory(
    "lgo_concerns",
    assigns=["doc.spans"],
    requires=["token.is_sent_start"],
    default_config={"threshold": 0.5, "use_model": True},
)
def make_concern_finder(
    nlp: Language, name: str, threshold: float, use_model: bool
) -> ConcernFinder:
    return ConcernFinder(nlp, name, threshold, use_model)


@functools.cache
def shipped_model_exists() -> bool:
    return (MODEL_DIR / "config.cfg").is_file() and (MODEL_DIR / "cues.json").is_file()
