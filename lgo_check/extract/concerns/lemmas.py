"""Lemmas from spaCy's lookup lemmatiser, case-folded.

spaCy's ``Lemmatizer`` in ``lookup`` mode looks a token's text up as written, so
"Enquiries" at the start of a sentence keeps its plural while "enquiries" becomes
"enquiry". Letters capitalise freely, so this component looks up the lower-case
form. Its table is spaCy's English ``lemma_lookup`` from ``spacy-lookups-data``,
saved with the shipped concern model so that nothing is read from that package at
run time.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

#: Tokens the lookup table maps wrongly for this job ("'s" is a possessive here,
#: never "has"; "us" and "our" stay as they are).
_KEEP = frozenset({"'s", "\u2019s", "us", "our", "data", "media"})


def lemma_of(word: str, table: Any) -> str:
    """The lemma of a word from a lookup table (``get`` by string), case-folded."""
    lower = word.lower()
    return lower if lower in _KEEP else str(table.get(lower, lower))


class CaseFoldLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatiser, looking up the lower-case form of each token.

    ``lemma(word)`` gives the same lemma for a single word, remembered: the
    concern component lemmatises only the few sentences it needs to.
    """

    def __call__(self, doc: Doc) -> Doc:
        table = self.lookups.get_table("lemma_lookup")
        for token in doc:
            token.lemma_ = lemma_of(token.lower_, table)
        return doc

    def lemma(self, word: str) -> str:
        cache: dict[str, str] = self.__dict__.setdefault("_cache", {})
        found = cache.get(word)
        if found is None:
            found = cache[word] = lemma_of(word, self.lookups.get_table("lemma_lookup"))
        return found


@Language.factory(
    "lgo_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": True, "scorer": None},
)
def make_lemmatizer(
    nlp: Language, model: Any, name: str, mode: str, overwrite: bool, scorer: Any
) -> CaseFoldLemmatizer:
    return CaseFoldLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)
