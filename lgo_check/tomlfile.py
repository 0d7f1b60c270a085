"""One way to read the project's TOML files: configuration, rule, layout and concern files.

``read_toml`` reads a file only if it is a regular file (a FIFO would block the
run, ``/dev/zero`` would never end), no bigger than a limit, as UTF-8, and refuses
what Python's TOML parser would accept but the tool cannot use safely: nesting
deeper than ``MAX_DEPTH`` (the parser recurses, so very deep nesting would be a
``RecursionError``), and the non-finite floats ``nan`` and ``inf`` (a threshold of
``nan`` makes every comparison false and so silently disables a rule).

``validate`` checks the data against a pydantic model and turns every error into
a line that names the file, the table and key, and the reason, with the nearest
valid key for a typo. ``TomlFileError`` carries those lines; each file format
wraps it in its own error class.
"""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

#: Configuration, rule, layout and concern files are small; this is far above any of them.
MAX_TOML_BYTES = 2_000_000
#: Tables and arrays nested deeper than this are refused (the formats need about 5).
MAX_DEPTH = 32

M = TypeVar("M", bound=BaseModel)


class TomlFileError(Exception):
    """A TOML file cannot be used; ``problems`` are lines naming the file, key and reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _NonFinite:
    """What ``nan`` or ``inf`` parses to, so the key holding it can be named."""

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_float(text: str) -> float | _NonFinite:
    value = float(text)
    return value if value - value == 0 else _NonFinite(text)


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file no bigger than ``max_bytes``; OSError or ValueError if not.

    Opened without blocking and checked on the open handle, so a FIFO or device
    put in place between a check and the open cannot block or flood the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise ValueError("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file (a pipe, device or socket)")
        if info.st_size > max_bytes:
            raise ValueError(
                f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,} bytes"
            )
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"file is over the limit of {max_bytes:,} bytes")
    return data


def read_toml(path: Path, *, max_bytes: int = MAX_TOML_BYTES) -> dict[str, Any]:
    """The parsed TOML of one file; TomlFileError naming the file and reason if unusable."""
    try:
        data = read_bounded(path, max_bytes)
    except FileNotFoundError:
        raise TomlFileError([f"{path}: cannot be read: no such file"]) from None
    except IsADirectoryError:
        raise TomlFileError([f"{path}: cannot be read: is a folder, not a file"]) from None
    except OSError as exc:
        raise TomlFileError([f"{path}: cannot be read: {exc.strerror or exc}"]) from None
    except ValueError as exc:
        raise TomlFileError([f"{path}: cannot be read: {exc}"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlFileError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    try:
        parsed = tomllib.loads(text, parse_float=_parse_float)
    except tomllib.TOMLDecodeError as exc:
        raise TomlFileError([f"{path}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise TomlFileError([f"{path}: nested more than {MAX_DEPTH} levels deep"]) from None
    except ValueError as exc:  # an integer with more digits than Python converts
        raise TomlFileError([f"{path}: not valid TOML: {exc}"]) from None
    problems = _check_shape(parsed, path)
    if problems:
        raise TomlFileError(problems)
    return parsed


def _check_shape(data: dict[str, Any], path: Path) -> list[str]:
    """Nesting depth and non-finite numbers, walked without recursion."""
    problems: list[str] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if len(loc) > MAX_DEPTH:
            return [
                f"{path}: '{_dotted(loc[:MAX_DEPTH])}...' is nested more than "
                f"{MAX_DEPTH} levels deep"
            ]
        if isinstance(value, dict):
            stack.extend(((*loc, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*loc, number), item) for number, item in enumerate(value))
        elif isinstance(value, _NonFinite):
            problems.append(f"{path}: '{_dotted(loc)}': {value.text} is not a finite number")
    return sorted(problems)


def _dotted(loc: Sequence[str | int]) -> str:
    """A key path as pydantic names it: ``rule.0.when``."""
    return ".".join(str(part) for part in loc)


def validate(model: type[M], data: Any, source: Path | str, table: str = "") -> M:
    """``data`` checked against ``model``; TomlFileError with one line per problem.

    ``table`` is where ``data`` sits in the file (``"tool.lgo-check."``), so that
    keys are named as the file writes them.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TomlFileError(explain(exc, model, source, table)) from None


def explain(
    error: ValidationError, model: type[BaseModel], source: Path | str, table: str = ""
) -> list[str]:
    """One line per validation error: file, key, reason (and the nearest valid key)."""
    lines: list[str] = []
    for err in error.errors():
        loc = tuple(err["loc"])
        key = table + _dotted(loc) if loc else table.rstrip(".") or "(top level)"
        if err["type"] == "extra_forbidden" and loc:
            valid = _keys_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
            if close:
                hint = f"; did you mean '{close[0]}'?"
            elif valid:
                hint = f"; valid keys: {', '.join(valid)}"
            else:
                hint = ""
            lines.append(f"{source}: unknown key '{key}'{hint}")
        else:
            lines.append(f"{source}: '{key}': {err['msg']}")
    return lines


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a file may write for a model's fields (their aliases), sorted."""
    return sorted(field.alias or name for name, field in model.model_fields.items())


def _keys_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The valid keys of the table at ``loc`` inside ``model``, if it is a model."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    found = _model_in(annotation)
    return model_keys(found) if found is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arm in typing.get_args(annotation):
            found = _model_in(arm)
            if found is not None:
                return found
    return None


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one key or index further in."""
    found = _model_in(annotation)
    if found is not None:
        for name, field in found.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for arm in args:
            stepped = _step(arm, part)
            if stepped is not None:
                return stepped
        return None
    if origin in (list, tuple, Sequence) and args and isinstance(part, int):
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def load_toml(path: Path, model: type[M], *, table: str = "", max_bytes: int = MAX_TOML_BYTES) -> M:
    """Read ``path`` and validate the whole file against ``model``."""
    return validate(model, read_toml(path, max_bytes=max_bytes), path, table)
