"""``lgo_sentencizer``: spaCy's rule-based ``Sentencizer``, reading the doc's arrays.

The same rule as spaCy's (a sentence starts at the first token after one of the
``punct_chars`` that is neither punctuation nor one of them), read from
``Doc.to_array`` instead of one Python ``Token`` per token, which is most of what
the sentencizer costs. ``tests/test_narrative_mechanics.py`` checks that it splits
as spaCy's does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.attrs import IS_PUNCT, ORTH
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc


class ArraySentencizer(Sentencizer):  # type: ignore[misc]  # (a compiled class)
    """spaCy's Sentencizer with ``predict`` over ``to_array([ORTH, IS_PUNCT])``."""

    def predict(self, docs: Iterable[Doc]) -> list[list[bool]]:
        docs = list(docs)
        if not any(len(doc) for doc in docs):
            return [[] for _ in docs]
        guesses: list[list[bool]] = []
        for doc in docs:
            if not len(doc):
                guesses.append([])
                continue
            keys = self._keys(doc)
            orths, puncts = doc.to_array([ORTH, IS_PUNCT]).T.tolist()
            starts = [False] * len(orths)
            starts[0] = True
            seen_period = False
            for i, orth in enumerate(orths):
                if orth in keys:
                    seen_period = True
                elif seen_period and not puncts[i]:
                    starts[i] = True
                    seen_period = False
            guesses.append(starts)
        return guesses

    def _keys(self, doc: Doc) -> frozenset[int]:
        """The ORTH keys of punct_chars, remembered (worked out again if they change)."""
        chars = self.punct_chars
        cached: tuple[Any, int, frozenset[int]] | None = self.__dict__.get("_keys_of")
        if cached is None or cached[0] is not chars or cached[1] != len(chars):
            cached = (chars, len(chars), frozenset(doc.vocab.strings[c] for c in chars))
            self.__dict__["_keys_of"] = cached
        return cached[2]


@Language.factory(
    "lgo_sentencizer",
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={
        "punct_chars": None,
        "overwrite": False,
        "scorer": {"@scorers": "spacy.senter_scorer.v1"},
    },
)
def make_sentencizer(
    nlp: Language, name: str, punct_chars: list[str] | None, overwrite: bool, scorer: Any
) -> ArraySentencizer:
    return ArraySentencizer(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)
