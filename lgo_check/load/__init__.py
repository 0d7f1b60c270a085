"""Load: paths -> files to check -> Source (decoded text, ready for normalisation).

A loader reads one format. Loaders are plugins (hook ``lgo_check_loaders``), so a
new format slots in beside the built-in ones without touching the pipeline.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the PDF reader's helper process imports this module without pydantic
    from lgo_check.model import Source


class LoadError(Exception):
    """The file cannot be read as a letter; the message says why, for a person."""


@dataclass(frozen=True)
class Limits:
    """Guards against inputs that would make one file stall a run."""

    max_bytes: int = 20_000_000
    max_pages: int = 50
    max_seconds: float = 30.0
    #: Characters on one PDF page (a dense letter page has about 5,000).
    max_chars_per_page: int = 200_000
    #: Resident memory of the PDF reader's helper process.
    max_memory_bytes: int = 1_500_000_000  # max-pdf-memory-mb
    #: When reading the current file must end (time.monotonic()); set by read_source.
    deadline: float | None = None

    def started(self) -> Limits:
        """These limits with the clock running for one file (if it is not already)."""
        if self.deadline is not None:
            return self
        return replace(self, deadline=time.monotonic() + self.max_seconds)

    def check_time(self, where: str = "") -> None:
        """Raise LoadError once the file's time is up; loaders call it between pages."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            at = f" ({where})" if where else ""
            raise LoadError(
                f"reading took longer than the limit of {self.max_seconds:g} s{at} "
                "(set timeout-seconds in the configuration to raise it)"
            )


class Loader(Protocol):
    """Reads one file format into a Source."""

    format: str
    extensions: tuple[str, ...]

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file say it is in this format."""
        ...

    def load(self, path: Path, data: bytes, display: str, limits: Limits) -> Source:
        """Return the file's text; raise LoadError with a reason if it cannot be read."""
        ...


@dataclass(frozen=True)
class Target:
    """A file to check: where it is, and the path to show for it."""

    path: Path
    display: str
    explicit: bool = False
    #: Why the path cannot be read, known when it was found (a folder that cannot be listed).
    problem: str | None = None


def visible_name(name: str) -> str:
    """A file name as text that any output can hold.

    A name's bytes are decoded as UTF-8 whatever the locale (under ``LC_ALL=C``
    Python would see a curly apostrophe as three undecodable bytes); a byte that
    is not UTF-8 is shown as a visible escape (``\\xff``), never as a lone
    surrogate that makes JSON invalid and encoders fail.
    """
    try:
        raw = os.fsencode(name)
    except UnicodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the current directory where possible, always with forward slashes."""
    try:
        shown = path.absolute().relative_to(cwd).as_posix()
    except ValueError:
        shown = path.as_posix()
    return visible_name(shown)


def discover(paths: Sequence[Path], extensions: Iterable[str]) -> list[Target]:
    """Files to check under the given paths, in a stable sorted order.

    Folders are walked recursively, skipping hidden ones and following symlinks
    at most once per real folder (so a symlink loop ends). A file named
    explicitly is always checked, whatever its extension; a path that does not
    exist, or a folder that cannot be listed, is still returned, so that it gets
    a finding of its own.
    """
    wanted = {e.lower() for e in extensions}
    cwd = Path.cwd()
    found: dict[str, Target] = {}

    def unlistable(error: OSError) -> None:
        # Never skipped in silence: the folder gets a finding of its own.
        folder = Path(error.filename if error.filename is not None else root)
        shown = display_path(folder, cwd)
        reason = f"folder cannot be listed: {(error.strerror or str(error)).lower()}"
        found[shown] = Target(folder, shown, explicit=True, problem=reason)

    for root in paths:
        if root.is_dir():
            letters_in_folder = 0
            seen: set[str] = set()
            for folder, dirs, files in os.walk(root, onerror=unlistable, followlinks=True):
                real = os.path.realpath(folder)
                if real in seen:
                    dirs[:] = []
                    continue
                seen.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith(".") or Path(name).suffix.lower() not in wanted:
                        continue
                    file = Path(folder) / name
                    shown = display_path(file, cwd)
                    found.setdefault(shown, Target(file, shown))
                    letters_in_folder += 1
            if not letters_in_folder:
                # A folder named on the command line with nothing to check is worth saying.
                shown = display_path(root, cwd)
                found.setdefault(shown, Target(root, shown, explicit=True))
        else:
            shown = display_path(root, cwd)
            found[shown] = Target(root, shown, explicit=True)
    return [found[key] for key in sorted(found)]


def pick_loader(target: Target, head: bytes, loaders: Sequence[Loader]) -> Loader:
    """The loader for a file: by its content's signature first, then its extension.

    Content wins so that a PDF saved as ``.txt`` is still read as a PDF.
    """
    for loader in loaders:
        if loader.sniff(head):
            return loader
    suffix = target.path.suffix.lower()
    for loader in loaders:
        if suffix in loader.extensions:
            return loader
    return next(loader for loader in loaders if loader.format == "text")


def read_source(target: Target, loaders: Sequence[Loader], limits: Limits) -> Source:
    """Read one file into a Source, or raise LoadError saying why it cannot be."""
    path = target.path
    if target.problem is not None:
        raise LoadError(target.problem)

    def too_big(size: str) -> LoadError:
        return LoadError(
            f"file is {size} bytes, over the limit of {limits.max_bytes:,} "
            "(set max-file-bytes in the configuration to raise it)"
        )

    try:
        if path.is_dir():
            raise LoadError("is a folder with no letters in it")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A pipe or device would block the run or never end.
            raise LoadError("not a regular file (a pipe, device or socket)")
        if info.st_size > limits.max_bytes:
            raise too_big(f"{info.st_size:,}")
        with path.open("rb") as handle:
            # Bounded: a file that grows after the stat cannot get past the limit.
            data = handle.read(limits.max_bytes + 1)
        if len(data) > limits.max_bytes:
            raise too_big(f"more than {limits.max_bytes:,}")
    except FileNotFoundError:
        raise LoadError("no such file (it does not exist, or vanished during the run)") from None
    except PermissionError:
        raise LoadError("permission denied") from None
    except IsADirectoryError:
        raise LoadError("is a folder") from None
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise LoadError("file is empty")
    loader = pick_loader(target, data[:512], loaders)
    return loader.load(path, data, target.display, limits.started())
