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
import itertools
import json
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from lgo_check.extract.concerns.classifier import MODEL_DIR, UNIT, unit_word
from lgo_check.extract.concerns.negation import NegEx, Scopes, Termsets

SPANS_KEY = "lgo_concerns"
#: ``doc.user_data`` keys a caller may set: the doc's text, and its words' bits
#: (``ConcernFinder.bits``), so that they are not worked out again.
TEXT_KEY = "lgo_concerns_text"
BITS_KEY = "lgo_concerns_bits"
#: With this key true in ``doc.user_data``, every pattern, context and exception is
#: given to spaCy's Matcher in every sentence, none skipped by the word tests (the
#: same result, slower: ``find_concerns(..., prefilter=False)`` checks that).
EXHAUSTIVE_KEY = "lgo_concerns_exhaustive"
WINDOW = 120
#: A sentence of fewer words (a heading, a list label) is not scored by the model.
MIN_MODEL_WORDS = 6
_STRIDE = 80
#: How many distinct words a process remembers what it knows of (see ConcernFinder.bits).
MAX_KNOWN_WORDS = 200_000
_WORD = re.compile(r"\w+")


@dataclass
class _Sentence:
    span: Span
    text: str
    #: Its words (``\w+`` of the lower-case text) as bits (see ConcernFinder.bits):
    #: which requirements of the rules they meet, which kinds have a cue word among
    #: them, which an anchor.
    bits: int
    #: The lower-case form of every token of the doc, filled when first needed
    #: (shared by the doc's sentences).
    doc_lowers: list[str]
    #: Every pattern is matched by spaCy, none skipped for want of its words.
    exhaustive: bool = False
    lowers: list[str] | None = None
    lemmas: list[str] | None = None
    scopes: Scopes | None = None
    matched: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


class _Unit:
    """What the classifier reads of a sentence (``classifier.unit_words``) as the ORTH
    keys of its words: its first layer reads a Doc only through ``to_array([ORTH])``,
    so the sentence is scored exactly as a Doc of those words would be, without
    building one."""

    __slots__ = ("keys",)

    def __init__(self, keys: Iterable[int]) -> None:
        self.keys = list(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def to_array(self, attrs: Any) -> Any:
        if list(attrs) != [ORTH]:
            raise ValueError(f"the classifier reads {attrs!r}; only ORTH is provided")
        return numpy.asarray(self.keys, dtype="uint64")


class BagOfWordsScorer:
    """The shipped classifier's scores for a batch of sentences, its n-grams counted at once.

    spaCy's ``TextCatBOW`` model is ``extract_ngrams >> sparse_linear >> logistic``;
    its first layer counts each sentence's n-grams with a NumPy call or two per
    sentence, which costs more than the rest. This counts them for the whole
    batch with one sort and feeds the model's own ``sparse_linear`` and
    ``logistic`` layers: the same keys, counts and lengths in the same order, so
    the scores are the same numbers (``tests/test_narrative_mechanics.py``
    compares them with ``TextCategorizer.predict``).
    """

    def __init__(self, ngram_size: int, ops: Any, linear: Any, output: Any, model: Any) -> None:
        self.ngram_size = ngram_size
        self.ops = ops
        self.linear = linear
        self.output = output
        self.model = model

    @classmethod
    def of(cls, textcat: Any) -> BagOfWordsScorer | None:
        """The scorer for a ``textcat_multilabel`` of that architecture, else None."""
        try:
            model = textcat.model
            first, second = model.layers
            extract, linear = first.layers[0].layers
            (output,) = second.layers
        except (AttributeError, ValueError, IndexError):
            return None
        if (
            extract.name != "extract_ngrams"
            or extract.attrs.get("attr") != ORTH
            or "sparse_linear" not in linear.name
            or output.name != "logistic"
            or first.name != "with_cpu(extract_ngrams>>resizable(sparse_linear))"
            or second.name != "with_cpu(logistic)"
        ):
            return None
        return cls(int(extract.attrs["ngram_size"]), extract.ops, linear, output, model)

    def predict(self, keys: list[int], sizes: list[int]) -> Any:
        """Scores (sentences x labels) for sentences given as the ORTH keys of their words,
        one after the other (``sizes``: how many words each has)."""
        xp = numpy
        count = len(sizes)
        lengths = xp.asarray(sizes, dtype="int64")
        flat = xp.asarray(keys, dtype="uint64")
        docs = xp.repeat(xp.arange(count), lengths)
        ends = xp.cumsum(lengths)[docs]  # where each position's sentence ends
        parts, owners = [flat], [docs]
        positions = xp.arange(flat.shape[0])
        for n in range(2, self.ngram_size + 1):
            grams = self.ops.ngrams(n, flat)
            inside = positions[: grams.shape[0]] + n <= ends[: grams.shape[0]]
            parts.append(grams[inside])
            owners.append(docs[: grams.shape[0]][inside])
        all_keys = xp.concatenate(parts)
        all_docs = xp.concatenate(owners)
        order = xp.lexsort((all_keys, all_docs))
        all_keys, all_docs = all_keys[order], all_docs[order]
        first = xp.ones(all_keys.shape[0], dtype=bool)
        first[1:] = (all_keys[1:] != all_keys[:-1]) | (all_docs[1:] != all_docs[:-1])
        starts = xp.flatnonzero(first)
        counts = xp.diff(xp.append(starts, all_keys.shape[0]))
        features = (
            all_keys[starts],
            self.ops.asarray(counts, dtype="f"),
            self.ops.asarray(xp.bincount(all_docs[starts], minlength=count), dtype="int32"),
        )
        return self.model.ops.asarray(self.output.predict(self.linear.predict(features)))


class _Remembered(dict[Any, Any]):
    """A function's results by its argument, forgotten all at once when too many."""

    def __init__(self, function: Any) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, key: Any) -> Any:
        if len(self) >= MAX_KNOWN_WORDS:
            self.clear()
        value = self[key] = self._function(key)
        return value


class ConcernFinder:
    """Rules, model and negation over the sentences of a block (see the module doc)."""

    def __init__(
        self, nlp: Language, name: str, threshold: float, use_model: bool, model_dir: str = ""
    ) -> None:
        from lgo_check.extract import narrative

        self.name = name
        self.vocab = nlp.vocab
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
        self.scorer: BagOfWordsScorer | None = None
        self.cues: dict[str, frozenset[str]] = {}
        if use_model and "lgo_textcat" in nlp.component_names:
            self.textcat = nlp.get_pipe("lgo_textcat")
            self.scorer = BagOfWordsScorer.of(self.textcat)
            # The classifier's cue words, saved beside it (another model's for
            # benchmarks/concern_crossval.py, which trains one per fold).
            cues_path = Path(model_dir or MODEL_DIR) / "cues.json"
            info = json.loads(cues_path.read_text(encoding="utf-8"))
            self.cues = {kind: frozenset(words) for kind, words in info["cues"].items()}
        self.anchors = {
            spec.kind: frozenset(lemma for word in spec.model_anchors for lemma in lemmatise(word))
            for spec in self.catalogue.kinds
            if spec.model_anchors
        }
        self._bits_setup()

    # ------------------------------------------------------------------
    # What a word is, as bits: the pre-filter and the model's gate are then a few
    # integer operations per sentence instead of set operations per pattern.

    def _bits_setup(self) -> None:
        requirements: dict[Any, int] = {}
        for entry in self.catalogue.entries():
            for requirement in (*entry.requires, *entry.extra_requires):
                requirements.setdefault(requirement, 1 << len(requirements))

        def mask(items: Iterable[Any]) -> int:
            out = 0
            for requirement in items:
                out |= requirements[requirement]
            return out

        #: For each pattern, exception, context and ``unless``: the bits its words need.
        self.needs: dict[str, int] = {}
        for entry in self.catalogue.entries():
            self.needs[entry.label] = mask(entry.requires)
            if entry.extra is not None:
                self.needs[entry.extra_label] = mask(entry.extra_requires)
        # Patterns filed under the bit of their first requirement: a text is tested
        # only against the patterns whose first requirement it meets.
        self._by_first: dict[int, list[tuple[int, str, Any, int]]] = {}
        for number, (kind, entry) in enumerate(self.catalogue.patterns()):
            need = self.needs[entry.label] | mask(entry.extra_requires)
            first = requirements[entry.requires[0]]
            self._by_first.setdefault(first, []).append((number, kind, entry, need))
        self._first_bits = sum(self._by_first)
        self._word_rules: dict[str, int] = {}
        self._prefix_rules: list[tuple[str, int]] = []
        for (words, prefixes), bit in requirements.items():
            for word in words:
                self._word_rules[word] = self._word_rules.get(word, 0) | bit
            self._prefix_rules.extend((prefix, bit) for prefix in prefixes)
        # A word's bits: the requirements it meets, then (shifted) the kinds its lemma
        # is a cue of, then the kinds it is an anchor of.
        self._cue_shift = len(requirements)
        self._anchor_shift = self._cue_shift + len(self.cues)
        self._kind_mask = (1 << len(self.cues)) - 1
        self.kind_bit = {kind: 1 << i for i, kind in enumerate(self.cues)}
        self._cue_kinds: dict[str, int] = {}
        self._anchor_kinds: dict[str, int] = {}
        for kind, bit in self.kind_bit.items():
            for lemma in self.cues[kind]:
                self._cue_kinds[lemma] = self._cue_kinds.get(lemma, 0) | bit
            for lemma in self.anchors.get(kind, ()):
                self._anchor_kinds[lemma] = self._anchor_kinds.get(lemma, 0) | bit
        #: Kinds the model may find without an anchor word (other_concern has none).
        self._unanchored = sum(
            bit for kind, bit in self.kind_bit.items() if kind not in self.anchors
        )
        self._word_bits = _Remembered(self._bits_of_word)
        #: model_may_find's answers, by what decides them.
        self._verdicts: dict[tuple[tuple[int, ...], int], bool] = {}
        self._lemma = _Remembered(self.lemma).__getitem__
        self._string = _Remembered(self.vocab.strings.__getitem__)
        strings = self.vocab.strings
        self._unit_key = _Remembered(lambda word: strings[unit_word(word, self._lemma)])

    def _bits_of_word(self, word: str) -> int:
        rules = self._word_rules.get(word, 0)
        for prefix, bit in self._prefix_rules:
            if word.startswith(prefix):
                rules |= bit
        lemma = self._lemma(word)
        cues = self._cue_kinds.get(lemma, 0)
        anchors = self._anchor_kinds.get(lemma, 0)
        return rules | cues << self._cue_shift | anchors << self._anchor_shift

    def bits(self, text: str) -> int:
        """The bits of the words of a text (``\\w+`` of its lower-case form), or'ed."""
        return functools.reduce(
            operator.or_, map(self._word_bits.__getitem__, _WORD.findall(text.lower())), 0
        )

    def candidates(self, bits: int) -> list[tuple[str, Any]]:
        """(kind, pattern) pairs whose words (context's included) a text with these bits has,
        in the catalogue's order."""
        found: list[tuple[int, str, Any, int]] = []
        present = bits & self._first_bits
        while present:
            bit = present & -present  # the lowest bit set
            present ^= bit
            found.extend(item for item in self._by_first[bit] if bits & item[3] == item[3])
        found.sort(key=operator.itemgetter(0))
        return [(kind, entry) for _, kind, entry, _ in found]

    def cue_kinds(self, bits: int) -> int:
        return bits >> self._cue_shift & self._kind_mask

    def anchor_kinds(self, bits: int) -> int:
        return bits >> self._anchor_shift

    def model_gate(self, bits: int) -> bool:
        """Whether the model may find a kind in a text whose words have these bits.

        A cue word of a kind must meet one of that kind's anchors (other_concern has
        none): the same test pre-filters blocks, so the pre-filter hides nothing.
        """
        return self.textcat is not None and bool(
            self.cue_kinds(bits) & (self.anchor_kinds(bits) | self._unanchored)
        )

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
        found: list[dict[tuple[int, str], dict[str, Any]]] = []
        to_score: list[tuple[int, int, _Sentence]] = []
        # What the classifier reads of each sentence to score: the ORTH keys of its
        # unit words, one sentence after the other, and how many each has.
        unit_keys: list[int] = []
        unit_sizes: list[int] = []
        all_sentences: list[list[_Sentence]] = []
        for d, doc in enumerate(docs):
            # The text and its bits, when the caller gave them (Doc.text is rebuilt
            # from the tokens each time it is read).
            text = doc.user_data.get(TEXT_KEY)
            if text is None:
                text = doc.text
            exhaustive = bool(doc.user_data.get(EXHAUSTIVE_KEY))
            block_bits = doc.user_data.get(BITS_KEY)
            if block_bits is None:
                block_bits = self.bits(text)
            candidates = self.catalogue.patterns() if exhaustive else self.candidates(block_bits)
            sentences = []
            doc_lowers: list[str] = []
            spans = list(doc.sents)
            for s in spans:
                sent_text = text[s.start_char : s.end_char]
                # One sentence has the words of the whole block: its bits are the block's.
                alone = len(spans) == 1 and not exhaustive
                bits = block_bits if alone else self.bits(sent_text)
                sentences.append(_Sentence(s, sent_text, bits, doc_lowers, exhaustive))
            all_sentences.append(sentences)
            hits: dict[tuple[int, str], dict[str, Any]] = {}
            context: dict[str, bool] = {}
            for k, sent in enumerate(sentences):
                for kind, entry in candidates:
                    if entry.extra is not None:
                        if entry.extra_label not in context:
                            context[entry.extra_label] = any(
                                self._matches(entry.extra_label, s) for s in sentences
                            )
                        if not context[entry.extra_label]:
                            continue
                    for start, end in self._matches(entry.label, sent):
                        if self._scopes(sent).negates(start, end):
                            continue
                        hit = hits.setdefault((k, kind), {"rules": True, "evidence": []})
                        first, last = sent.span[start], sent.span[end - 1]
                        hit["evidence"].append((first.idx, last.idx + len(last)))
                words = self._model_words(sent.text, sent.bits)
                if words is not None:
                    to_score.append((d, k, sent))
                    unit_keys.extend(map(self._unit_key.__getitem__, words))
                    unit_sizes.append(len(words))
            found.append(hits)
        if to_score:
            scores = self._scores(unit_keys, unit_sizes)
            labels = list(self.textcat.labels)
            for row, (d, k, sent) in enumerate(to_score):
                for j, kind in enumerate(labels):
                    score = float(scores[row, j])
                    known = found[d].get((k, kind))
                    if known is not None:
                        known["score"] = score
                    if not self._model_takes(kind, score, sent.bits):
                        continue
                    kind_cues = self.cues[kind]
                    cues = [i for i, lemma in enumerate(self._lemmas(sent)) if lemma in kind_cues]
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

    def _model_words(self, text: str, bits: int) -> list[str] | None:
        """The words the classifier reads of a sentence, or None when it is not scored
        (the gate is shut, or it is too short)."""
        if not self.model_gate(bits):
            return None
        words = UNIT.findall(text.lower())
        return words if len(words) >= MIN_MODEL_WORDS else None

    def _scores(self, unit_keys: list[int], unit_sizes: list[int]) -> Any:
        """The classifier's scores (sentences x labels) for sentences given as the keys
        of their words, one after the other."""
        if self.scorer is not None:
            return self.scorer.predict(unit_keys, unit_sizes)
        ends = list(itertools.accumulate(unit_sizes))
        units = [
            _Unit(unit_keys[end - size : end]) for size, end in zip(unit_sizes, ends, strict=True)
        ]
        return self.textcat.predict(units)

    def _model_takes(self, kind: str, score: float, bits: int) -> bool:
        """Whether the model finds ``kind`` in a sentence, before negation is asked: its
        score reaches the threshold and the sentence has the kind's cue and anchor."""
        if score < self.threshold:
            return False
        bit = self.kind_bit[kind]
        return bool(self.cue_kinds(bits) & bit) and (
            kind not in self.anchors or bool(self.anchor_kinds(bits) & bit)
        )

    def model_may_find(self, sentences: Sequence[tuple[str, int]]) -> list[bool]:
        """For sentences given as (text, bits of its words): whether the model finds some
        kind in each before negation is asked, as ``_process`` decides it for a sentence
        of a Doc, scored in one batch without one. False: the model finds nothing there."""
        out = [False] * len(sentences)
        keys: list[int] = []
        sizes: list[int] = []
        asked: dict[tuple[tuple[int, ...], int], list[int]] = {}
        for i, (text, bits) in enumerate(sentences):
            words = self._model_words(text, bits)
            if words is None:
                continue
            unit = tuple(map(self._unit_key.__getitem__, words))
            # What decides: the words the classifier reads (numbers are all "<num>"),
            # and the kinds the sentence has a cue or an anchor of.
            key = (unit, bits >> self._cue_shift)
            known = self._verdicts.get(key)
            if known is not None:
                out[i] = known
                continue
            if key not in asked:
                asked[key] = []
                keys.extend(unit)
                sizes.append(len(unit))
            asked[key].append(i)
        if asked:
            scores = self._scores(keys, sizes)
            labels = list(self.textcat.labels)
            if len(self._verdicts) + len(asked) > MAX_KNOWN_WORDS:
                self._verdicts.clear()
            for row, (key, rows) in enumerate(asked.items()):
                verdict = any(
                    self._model_takes(kind, float(scores[row, j]), key[1] << self._cue_shift)
                    for j, kind in enumerate(labels)
                )
                self._verdicts[key] = verdict
                for i in rows:
                    out[i] = verdict
        return out

    def _lowers(self, sent: _Sentence) -> list[str]:
        """The lower-case form of each token, read from the doc's array (no Token objects)."""
        if sent.lowers is None:
            span = sent.span
            doc_lowers = sent.doc_lowers
            if not doc_lowers:
                doc_lowers.extend(map(self._string.__getitem__, span.doc.to_array(LOWER).tolist()))
            sent.lowers = doc_lowers[span.start : span.end]
        return sent.lowers

    def _lemmas(self, sent: _Sentence) -> list[str]:
        if sent.lemmas is None:
            sent.lemmas = [self._lemma(lower) for lower in self._lowers(sent)]
        return sent.lemmas

    def _scopes(self, sent: _Sentence) -> Scopes:
        if sent.scopes is None:
            sent.scopes = self.negex.scopes(self._lemmas(sent), self._lowers(sent))
        return sent.scopes

    def _matches(self, label: str, sent: _Sentence) -> list[tuple[int, int]]:
        """(start, end) token offsets within the sentence of the entry's matches there."""
        found = sent.matched.get(label)
        if found is None:
            need = self.needs[label]
            if sent.exhaustive or (
                sent.bits & need == need and self.aligners[label].occurs(self._lowers(sent))
            ):
                found = self._match(label, sent)
            else:
                found = []
            sent.matched[label] = found
        return found

    def _match(self, label: str, sent: _Sentence) -> list[tuple[int, int]]:
        span, matcher = sent.span, self.matchers[label]
        if len(span) <= WINDOW:
            found = {(s, e) for _, s, e in matcher(span)}
        else:
            # Windows overlap by WINDOW - _STRIDE tokens, more than any pattern spans.
            found = set()
            for offset in range(0, len(span) - WINDOW + _STRIDE, _STRIDE):
                part = span[offset : offset + WINDOW]
                found |= {(offset + s, offset + e) for _, s, e in matcher(part)}
        aligner = self.aligners[label]
        if found and aligner.bounded:
            lowers = self._lowers(sent)
            found = {(s, e) for s, e in found if aligner.aligns(lowers[s:e])}
        return sorted(found)


@Language.factory(
    "lgo_concerns",
    assigns=["doc.spans"],
    requires=["token.is_sent_start"],
    default_config={"threshold": 0.5, "use_model": True, "model_dir": ""},
)
def make_concern_finder(
    nlp: Language, name: str, threshold: float, use_model: bool, model_dir: str
) -> ConcernFinder:
    return ConcernFinder(nlp, name, threshold, use_model, model_dir)


@functools.cache
def shipped_model_exists() -> bool:
    return (MODEL_DIR / "config.cfg").is_file() and (MODEL_DIR / "cues.json").is_file()
