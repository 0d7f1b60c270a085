"""Extract: normalised text -> Letter (metadata, statistics, narrative concerns)."""

from __future__ import annotations

from collections.abc import Sequence

from lgo_check.extract.layout import metadata_wording
from lgo_check.extract.metadata import extract_metadata
from lgo_check.extract.narrative import find_concerns
from lgo_check.extract.statistics import detect_layout, extract_statistics
from lgo_check.model import Letter
from lgo_check.normalise import NormalisedText


def is_annual_review(text: str) -> bool:
    return "ombudsman" in text.lower() and any(
        p.search(text) for p in metadata_wording().not_a_letter_unless
    )


def extract_letter(norm: NormalisedText) -> Letter:
    """Metadata and statistics of one letter (concerns are added in batches)."""
    meta = extract_metadata(norm)
    layout = detect_layout(norm.text)
    statistics, problems = extract_statistics(norm, layout, meta.body, meta.review_year)
    return Letter(
        is_annual_review=is_annual_review(norm.text),
        layout=layout.id if layout else None,
        organisation=meta.organisation,
        recipient=meta.recipient,
        letter_date=meta.letter_date,
        review_year=meta.review_year,
        period=meta.period,
        statistics=statistics,
        problems=problems,
        spans=meta.spans,
        hidden_text=norm.hidden_text,
    )


def extract_letters(
    norms: Sequence[NormalisedText],
    spacy_model: str | None = None,
    concern_threshold: float | None = None,
) -> list[Letter]:
    """Letters for many texts; the narrative pass runs over them as one batch."""
    letters = [extract_letter(norm) for norm in norms]
    found = find_concerns(norms, spacy_model, threshold=concern_threshold)
    for letter, concerns in zip(letters, found, strict=True):
        letter.concerns = concerns
    return letters
