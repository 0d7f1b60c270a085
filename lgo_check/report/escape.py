"""Escaping for output read by terminals and CI logs.

Text from files (names, letter text, plugin messages) must never start a new
line of output, move the cursor, ring the bell or reorder what is shown: a
file name holding a newline and ``::error ...`` would otherwise forge a GitHub
annotation, and a bidirectional override can make a message read backwards.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, line/paragraph separators, bidi marks, embeddings,
# overrides and isolates, and lone surrogates (from undecodable file names).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# In JSON, control characters are already escaped by json.dumps; these are the rest.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every unsafe character shown as an escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_visible, text)


def json_safe(document: str) -> str:
    """A JSON text with the same meaning and no raw C1, bidi or lone-surrogate character.

    Only valid inside strings, where ``\\uXXXX`` means the same character.
    """
    if document.isascii() and "\x7f" not in document:
        return document  # every other character escaped here is beyond ASCII
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
