"""Concern finding: the lgo_concerns spaCy component, its negation step, lemmas and classifier."""
