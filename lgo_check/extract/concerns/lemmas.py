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


class CaseFoldLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatiser, looking up the lower-case form of each token."""

    def __call__(self, doc: Doc) -> Doc:
        table = self.lookups.get_table("lemma_lookup")
        for token in doc:
            lower = token.lower_
            token.lemma_ = lower if lower in _KEEP else table.get(lower, lower)
        return doc


@Language.factory(
    "lgo_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": True, "scorer": None},
)
def make_lemmatizer(
    nlp: Language, model: Any, name: str, mode: str, overwrite: bool, scorer: Any
) -> CaseFoldLemmatizer:
    return CaseFoldLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)
