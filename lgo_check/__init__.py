"""lgo-check: a linter for the Ombudsman's annual review letters."""

__version__ = "0.1.0"
