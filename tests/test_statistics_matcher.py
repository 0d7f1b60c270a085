"""The statistics wording's one expression opens each alternative that starts with a
letter with the class of what that letter matches in any case (the engine skips such
an alternative at once where it cannot start). The class must be exactly those
characters, for every code point, or a match would be lost or gained."""

from __future__ import annotations

import re
import string

from lgo_check.extract.layout import statistics_wording
from lgo_check.extract.statistics import _build_matcher, letter_class

EVERY_CHARACTER = "".join(map(chr, range(0x110000)))


def test_letter_class_is_what_the_letter_matches_ignoring_case() -> None:
    for letter in string.ascii_letters:
        ignoring_case = re.findall(re.escape(letter), EVERY_CHARACTER, re.IGNORECASE)
        by_class = re.findall(letter_class(letter), EVERY_CHARACTER, re.IGNORECASE)
        assert by_class == ignoring_case, letter


def test_alternatives_that_start_with_a_letter_use_its_class() -> None:
    """The shortcut is in use (else it would save nothing), and a match of a status
    sentence still spans the sentence itself."""
    matcher = _build_matcher(statistics_wording())
    assert matcher.pattern.pattern.count("(?-i:[") >= 10
    text = "Complaints upheld\n\nWE DID NOT UPHOLD ANY COMPLAINTS\n"
    [m] = matcher.pattern.finditer(text)
    assert matcher.alternatives[m.lastgroup or ""].kind == "status"
    assert m.group() == "WE DID NOT UPHOLD ANY COMPLAINTS"
