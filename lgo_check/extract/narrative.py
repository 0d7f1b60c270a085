"""Narrative concerns (placeholder until the spaCy pass lands)."""

from __future__ import annotations

from collections.abc import Sequence

from lgo_check.model import Concern
from lgo_check.normalise import NormalisedText


def find_concerns(
    norms: Sequence[NormalisedText], spacy_model: str | None = None
) -> list[list[Concern]]:
    return [[] for _ in norms]
