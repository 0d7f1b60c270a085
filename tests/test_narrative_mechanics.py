"""The narrative stage's shortcuts give what the slow way gives.

The concern component skips work it can prove useless (word bits, the Aligner's
``occurs``), scores sentences without building a Doc for each, and splits
sentences from the doc's arrays. Each shortcut is checked here against the spaCy
call it stands in for; ``tests/test_narrative.py`` checks that the findings with
every shortcut off (``prefilter=False``) are the same.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy
import pytest
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from lgo_check.extract.concerns.classifier import UNIT, unit_words
from lgo_check.extract.concerns.component import BagOfWordsScorer, _Unit
from lgo_check.extract.concerns.sentences import ArraySentencizer
from lgo_check.extract.narrative import blocks, find_concerns, pipeline
from lgo_check.load.text import decode
from lgo_check.model import Source
from lgo_check.normalise import normalise

HERE = Path(__file__).parent


def passages() -> list[str]:
    """The project's own written passages and the paragraphs of its own letters."""
    out = []
    for path in sorted((HERE / "concern_corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    for folder in (HERE / "letters", HERE.parent / "examples"):
        for path in sorted(folder.glob("*.txt")):
            text = decode(path.read_bytes())
            out += [" ".join(text[s:e].split()) for s, e in blocks(text)]
    return out


#: Sentences that end and start in awkward ways, written for this test.
AWKWARD = [
    'He said "we will reply." Then nothing came!! Was it late?) Yes.',
    "The reply (sent late.) arrived... in May. \u3002Next one\u3002 And another\uff01 ok",
    ". Leading stop. \u2026 and an ellipsis",
    "No stop at all in this one",
    "Two  spaces.  Three   spaces.\tA tab.",
    "A figure 3.5 and 31(2). Then U.K. law applies. e.g. this one?!",
    "!!!",
]


def test_array_sentencizer_splits_as_spacy_does() -> None:
    nlp = pipeline().nlp
    ours = nlp.get_pipe("sentencizer")
    assert isinstance(ours, ArraySentencizer)
    spacys = Sentencizer(punct_chars=sorted(ours.punct_chars))
    for text in AWKWARD + passages()[:400]:
        mine, theirs = nlp.make_doc(text), nlp.make_doc(text)
        ours(mine)
        spacys(theirs)
        assert [s.start for s in mine.sents] == [s.start for s in theirs.sents], text


def test_scorer_gives_the_classifiers_own_scores() -> None:
    finder = pipeline().finder
    textcat = finder.textcat
    scorer = BagOfWordsScorer.of(textcat)
    assert scorer is not None, "the shipped classifier is no longer a bag of words"
    texts = passages()
    units = [words for words in (unit_words(t, finder.lemma) for t in texts) if words]
    keys = [[finder.vocab.strings[w] for w in words] for words in units]
    expected = textcat.predict([Doc(finder.vocab, words=words) for words in units])
    got = scorer.predict([key for unit in keys for key in unit], [len(unit) for unit in keys])
    assert got.shape == expected.shape
    assert numpy.array_equal(got, expected)  # the same numbers, not merely close
    # The stand-in Doc reads the same keys as the component's remembered ones.
    for text in texts[:200]:
        unit = _Unit(map(finder._unit_key.__getitem__, UNIT.findall(text.lower())))
        assert unit.keys == [finder.vocab.strings[w] for w in unit_words(text, finder.lemma)]


def test_findings_are_the_same_without_the_scorer() -> None:
    """The component scores with TextCategorizer.predict when the scorer does not fit."""
    pipe = pipeline()
    norms = [normalise(Source(path="x", format="text", text=t)) for t in passages()[:300]]
    pipe.cache.clear()
    fast = find_concerns(norms)
    scorer, pipe.finder.scorer = pipe.finder.scorer, None
    try:
        pipe.cache.clear()
        assert find_concerns(norms) == fast
    finally:
        pipe.finder.scorer = scorer
        pipe.cache.clear()
    assert any(c.found_by != "rules" for found in fast for c in found)


def test_scorer_is_not_used_for_another_architecture() -> None:
    from spacy.lang.en import English

    other = English().add_pipe("textcat_multilabel")  # spaCy's default: an ensemble
    assert BagOfWordsScorer.of(other) is None


@pytest.mark.parametrize("with_lowers", [True, False])
def test_aligner_occurs_wherever_spacy_finds_a_match(with_lowers: bool) -> None:
    """``occurs`` is a necessary condition: never False where spaCy's Matcher matches."""
    pipe = pipeline()
    nlp, finder = pipe.nlp, pipe.finder
    sentences = [s for text in passages()[:600] for s in nlp(text).sents]
    checked = 0
    for label, matcher in finder.matchers.items():
        aligner = finder.aligners[label]
        for sent in sentences:
            lowers = [t.lower_ for t in sent]
            found = {(s, e) for _, s, e in matcher(sent)}
            if aligner.bounded:
                found = {(s, e) for s, e in found if aligner.aligns(lowers[s:e])}
            if found:
                checked += 1
                assert aligner.occurs(lowers), (label, sent.text)
            elif with_lowers and not aligner.bounded:
                # Where spaCy finds nothing for a pattern without gaps, neither does occurs.
                assert not aligner.occurs(lowers), (label, sent.text)
    assert checked > 50


def test_word_bits_match_the_words() -> None:
    """A text's bits meet a pattern's requirements exactly when its words do."""
    finder = pipeline().finder
    patterns = finder.catalogue.patterns()
    for text in passages()[:500]:
        words = set(re.findall(r"\w+", text.lower()))

        def has(
            requirement: tuple[frozenset[str], tuple[str, ...]], words: set[str] = words
        ) -> bool:
            options, prefixes = requirement
            return bool(options & words) or any(w.startswith(prefixes) for w in words if prefixes)

        expected = [
            (kind, entry)
            for kind, entry in patterns
            if all(map(has, entry.requires)) and all(map(has, entry.extra_requires))
        ]
        assert finder.candidates(finder.bits(text)) == expected, text


PROBE = """
import sys
from lgo_check.extract.narrative import find_concerns
from lgo_check.model import Source
from lgo_check.normalise import normalise
text = "We issued a witness summons to the Council this year."
[[found]] = find_concerns([normalise(Source(path="x", format="text", text=text))])
cli = sorted(m for m in sys.modules if m.startswith("spacy.cli"))
import spacy.cli
print(found.kind, cli, hasattr(spacy.cli, "download"), spacy.info is not None)
"""


def test_spacy_is_loaded_without_its_command_line_modules() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    # Concerns found with no spacy.cli module loaded; importing it later gives the real one.
    assert done.stdout.split() == ["witness_summons", "[]", "True", "True"], done.stderr


def test_shipped_tokenizer_is_spacys_english_one() -> None:
    """The pipeline builds its tokenizer from spaCy's defaults instead of reading the
    shipped one from disk: that is only right while the two are the same."""
    from lgo_check.extract.concerns.classifier import MODEL_DIR
    from lgo_check.extract.narrative import import_spacy

    pipeline()  # registers the project's factories
    spacy = import_spacy()
    read = spacy.load(MODEL_DIR).tokenizer
    built = spacy.load(MODEL_DIR, exclude=["tokenizer"]).tokenizer  # as the pipeline loads it
    assert read.to_bytes(exclude=["vocab"]) == built.to_bytes(exclude=["vocab"])


def test_pipeline_is_built_once_per_process() -> None:
    assert pipeline() is pipeline()
    assert pipeline(threshold=0.5) is pipeline()
    assert pipeline(use_model=False) is not pipeline()
