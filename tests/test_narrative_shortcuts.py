"""The shortcuts that keep a block away from spaCy give what spaCy's path gives.

A block not read before goes to spaCy only if a pattern can match in it
(``Aligner.may_occur``, on its lower-case text) or the model could find a kind.
When only the model could, and the block is one sentence, its scores are worked
out without a Doc (``ConcernFinder.model_may_find``). Each test here checks one
of these against the spaCy call it stands in for; ``tests/test_narrative.py``
checks the findings with every shortcut off (``prefilter=False``).
"""

from __future__ import annotations

import random

from spacy.tokens import Doc
from test_narrative_mechanics import AWKWARD, passages

from lgo_check.extract.concerns.classifier import unit_words
from lgo_check.extract.narrative import _Block, _way, find_concerns, pipeline
from lgo_check.model import Source
from lgo_check.normalise import normalise

#: Statistics sentences and short prose in the letters' manner, written for this test,
#: with figures that change from letter to letter.
TEMPLATES = [
    "{n}% of complaints we investigated were upheld.",
    "In {n}% of cases we were satisfied the organisation had successfully implemented "
    "our recommendations.",
    "In {n}% of upheld cases we found the organisation had provided a satisfactory remedy "
    "before the complaint reached the Ombudsman.",
    "Statistics are based on a total of {n} investigations for the period between "
    "1 April 2023 to 31 March 2024",
    "In {n} cases the Council did not carry out the remedy it had agreed with us.",
    "The Council replied late to {n} of our enquiries this year",
    "We issued {n} public reports about the Council and it has not yet complied with them.",
    "We were pleased the Council implemented all {n} recommendations on time.",
]


def figures_texts() -> list[str]:
    rng = random.Random(10)
    return [t.format(n=rng.randint(0, 100)) for t in TEMPLATES for _ in range(4)]


def test_may_occur_wherever_spacy_finds_a_match() -> None:
    """``may_occur`` on a text is never False where spaCy's Matcher matches in it."""
    pipe = pipeline()
    nlp, finder = pipe.nlp, pipe.finder
    texts = AWKWARD + figures_texts() + passages()[:500]
    docs = list(nlp.pipe(texts))
    checked = refused = 0
    for label, matcher in finder.matchers.items():
        aligner = finder.aligners[label]
        for text, doc in zip(texts, docs, strict=True):
            lower = text.lower()
            for sent in doc.sents:
                lowers = [t.lower_ for t in sent]
                found = {(s, e) for _, s, e in matcher(sent)}
                if aligner.bounded:
                    found = {(s, e) for s, e in found if aligner.aligns(lowers[s:e])}
                if found:
                    checked += 1
                    assert aligner.may_occur(lower), (label, sent.text)
                    assert aligner.may_occur(sent.text.lower()), (label, sent.text)
            refused += not aligner.may_occur(lower)
    assert checked > 50
    assert refused > len(texts)  # it does rule texts out


def test_one_sentence_as_the_sentencizer_says() -> None:
    """A text with no sentence-ending character before its last is one sentence to spaCy."""
    pipe = pipeline()
    ends = pipe.sentence_ends
    assert ends, "the shipped pipeline splits sentences with the sentencizer"
    texts = AWKWARD + figures_texts() + passages()[:800]
    texts += ["Ends with a stop.", "Ends with two!!", "An ellipsis\u2026", "A quote.\u201d"]
    single = 0
    for text, doc in zip(texts, pipe.nlp.pipe(texts), strict=True):
        if ends.isdisjoint(text[:-1]):
            single += 1
            sentences = list(doc.sents)
            assert len(sentences) == 1, text
            assert (sentences[0].start_char, sentences[0].end_char) == (0, len(text))
    assert single > 100


def test_model_may_find_as_the_classifier_scores() -> None:
    """``model_may_find`` says True exactly when the classifier's own predict on a Doc
    of the sentence's words reaches the threshold for a kind whose cue and anchor the
    sentence has; asked again (remembered), the same answers."""
    pipe = pipeline()
    finder = pipe.finder
    texts = figures_texts() + passages()[:400]
    items = [(t, finder.bits(t)) for t in texts]
    got = finder.model_may_find(items)
    assert finder.model_may_find(items) == got
    assert finder.model_may_find(list(reversed(items))) == list(reversed(got))
    labels = list(finder.textcat.labels)
    expected = []
    for text, bits in items:
        words = unit_words(text, finder.lemma)
        if not finder.model_gate(bits) or len(words) < 6:
            expected.append(False)
            continue
        [scores] = finder.textcat.predict([Doc(finder.vocab, words=words)])
        takes = False
        for j, kind in enumerate(labels):
            bit = finder.kind_bit[kind]
            takes |= (
                float(scores[j]) >= finder.threshold
                and bool(finder.cue_kinds(bits) & bit)
                and (kind not in finder.anchors or bool(finder.anchor_kinds(bits) & bit))
            )
        expected.append(takes)
    assert got == expected
    assert any(got) and not all(got)


def test_blocks_kept_from_spacy_hold_nothing_it_would_find() -> None:
    """Every block the shortcuts keep from spaCy, read by spaCy all the same, finds nothing;
    and the letters' findings are those with every shortcut off."""
    pipe = pipeline()
    texts = figures_texts() + passages()[:600]
    kept = []
    for text in texts:
        way = _way(_Block(0, 0, text), pipe)
        model_only = way == "model"
        if model_only:
            model_only = not pipe.finder.model_may_find([(text, pipe.finder.bits(text))])[0]
        if way == "none" or model_only:
            kept.append(text)
    assert len(kept) > 50
    norms = [normalise(Source(path="x", format="text", text=t)) for t in kept]
    assert find_concerns(norms, prefilter=False) == [[] for _ in kept]
    norms = [normalise(Source(path="x", format="text", text=t)) for t in texts]
    pipe.cache.clear()
    assert find_concerns(norms) == find_concerns(norms, prefilter=False)
