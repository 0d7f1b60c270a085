"""Indented JSON, the same text as ``json.dumps(value, indent=2, ensure_ascii=False)``,
several times faster.

With ``indent`` the standard library uses its pure-Python encoder (a generator
per container, a yield per token), which was most of the cost of writing a
file's JSON or SARIF. Here plain values (dicts with string keys, lists, strings,
integers, finite floats, booleans, None) are written by one recursive function,
strings by the standard library's compiled escaper; anything else (a NaN, a
non-string key, an object) is handed to ``json.dumps`` itself, so errors and
unusual values read exactly as they always did.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from math import isfinite
from typing import Any


class _NotPlain(Exception):
    """A value this encoder leaves to ``json.dumps``."""


def _write(value: Any, newline: str, out: list[str]) -> None:
    # The order of the checks is json's: str before int (a str enum is a string),
    # bool before int, int before float.
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if not isfinite(value):
            raise _NotPlain
        out.append(float.__repr__(value))
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NotPlain
            out.append(separator)
            out.append(encode_basestring(key))
            out.append(": ")
            _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    else:
        raise _NotPlain


def dumps(value: Any, level: int = 0) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)``, indented
    as if nested ``level`` deep (every line after the first starts ``2 * level``
    spaces further in)."""
    out: list[str] = []
    try:
        _write(value, "\n" + "  " * level, out)
    except (_NotPlain, RecursionError):
        text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
        return text.replace("\n", "\n" + "  " * level) if level else text
    return "".join(out)
