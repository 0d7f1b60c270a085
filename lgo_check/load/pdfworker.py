"""PDFium in a helper process: a PDF that would take all the memory or never end is stopped.

PDFium is C++ running inside the process: a PDF whose drawing objects each draw
the next twice grows to gigabytes while a page loads, before Python gets control
back, and a check of the clock between pages cannot stop one page that takes
minutes. So PDFs are read by a helper process, started once and reused for every
PDF. The parent waits for each answer with the file's deadline, watching the
helper's resident memory; past either limit it kills the helper, reports the
file, and starts a new helper for the next PDF. If the helper cannot be started
at all, PDFs are read in this process (still bounded in pages, page size,
characters and time between pages).

The helper is started lazily but early: at the first PDF, or before it, while
the parent loads spaCy, when the run knows PDFs are coming (``start_early``). A
forked worker never uses its parent's helper; it starts its own.

Protocol, over the helper's stdin and stdout: a request is one JSON line (the
data's size and the limits) and then the PDF's bytes; an answer is one byte saying
what it is, an 8-byte length, and that many bytes of UTF-8: ``P`` the table
cells, paragraph starts and hidden passages as JSON on the first line, then the
pages' text joined by form feeds (page text never holds one), ``E`` a LoadError's
reason, ``F`` a description of a bug. The text is sent as it is, not inside JSON,
so neither side spends time escaping it.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

from lgo_check.load import Limits, LoadError

if TYPE_CHECKING:
    from lgo_check.load.pdf import PdfText

#: How often the parent looks at the helper's memory while it works.
POLL_SECONDS = 0.02
#: Most an answer may be (the text of max-pages pages); more is a broken helper.
MAX_ANSWER_BYTES = 256_000_000


class _Helper:
    """One running helper process."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parent.parent.parent)
        # -I: the helper ignores PYTHON* variables and the current folder, so a
        # file named like a module next to the letters is never imported.
        code = (
            f"import sys; sys.path.insert(0, {package_root!r}); "
            "from lgo_check.load.pdfworker import serve; serve()"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        #: The process that started it: a forked child must start its own.
        self.owner = os.getpid()
        self.page_size = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        assert self.process.stdout is not None
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        self.selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def resident_bytes(self) -> int | None:
        """The helper's resident memory (Linux), or None where it cannot be read."""
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * self.page_size
        except (OSError, ValueError, IndexError):
            return None

    def ask(self, data: bytes, limits: Limits) -> tuple[bytes, str]:
        """Send one PDF and wait for the answer, (kind, text); LoadError at a limit."""
        assert self.process.stdin is not None and self.process.stdout is not None
        request = {
            "size": len(data),
            "max_pages": limits.max_pages,
            "max_chars_per_page": limits.max_chars_per_page,
            "max_seconds": limits.max_seconds,
            "seconds_left": _seconds_left(limits),
        }
        try:
            self.process.stdin.write(json.dumps(request).encode("ascii") + b"\n")
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _HelperDied() from None
        header = self._read(9, limits)
        kind, size = header[:1], int.from_bytes(header[1:], "big")
        if kind not in (b"P", b"E", b"F") or size > MAX_ANSWER_BYTES:
            raise _HelperDied()
        try:
            return kind, self._read(size, limits).decode("utf-8")
        except UnicodeDecodeError:
            raise _HelperDied() from None

    def _read(self, size: int, limits: Limits) -> bytes:
        """Exactly ``size`` bytes of the answer, watching the deadline and memory."""
        stdout = self.process.stdout
        assert stdout is not None
        chunks: list[bytes] = []
        wanted = size
        select, descriptor = self.selector.select, stdout.fileno()
        while wanted:
            if not select(POLL_SECONDS):
                self._check(limits)
                continue
            chunk = os.read(descriptor, min(wanted, 1 << 20))
            if not chunk:
                raise _HelperDied()
            chunks.append(chunk)
            wanted -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _check(self, limits: Limits) -> None:
        if limits.deadline is not None and time.monotonic() > limits.deadline:
            self.kill()
            raise LoadError(
                f"reading took longer than the limit of {limits.max_seconds:g} s "
                "(set timeout-seconds in the configuration to raise it)"
            )
        resident = self.resident_bytes()
        if resident is not None and resident > limits.max_memory_bytes:
            self.kill()
            raise LoadError(
                f"reading the PDF needed more than {limits.max_memory_bytes // 1_000_000:,} MB "
                "of memory (a PDF built to exhaust memory, or far denser than a letter; "
                "set max-pdf-memory-mb in the configuration to raise it)"
            )
        if not self.alive():
            raise _HelperDied()


class _HelperDied(Exception):
    """The helper ended or answered nonsense (PDFium crashed on the file)."""


def _seconds_left(limits: Limits) -> float | None:
    if limits.deadline is None:
        return None
    return max(limits.deadline - time.monotonic(), 0.0)


_lock = threading.Lock()
_helper: _Helper | None = None
_unavailable = False


def _stop_helper() -> None:
    global _helper
    if _helper is not None:
        _helper.kill()
        _helper = None


atexit.register(_stop_helper)


def _running_helper() -> _Helper | None:
    """This process's helper, started if need be; None if none can be (call under the lock)."""
    global _helper, _unavailable
    if _unavailable:
        return None
    if _helper is not None and _helper.owner != os.getpid():
        _helper = None  # the parent's, inherited through a fork: never shared
    if _helper is None or not _helper.alive():
        try:
            _helper = _Helper()
        except OSError:
            _unavailable = True
            return None
    return _helper


def start_early() -> None:
    """Start the helper now, so that it is ready when the first PDF comes (it starts
    in parallel with whatever this process does meanwhile)."""
    with _lock:
        _running_helper()


def read_isolated(data: bytes, limits: Limits) -> PdfText:
    """A PDF's pages, table cells and paragraphs read by the helper process; LoadError
    with the reason if not."""
    from lgo_check.load.pdf import PdfText, read_pdf

    global _helper
    with _lock:
        helper = _running_helper()
        if helper is None:
            return read_pdf(data, limits)
        try:
            kind, text = helper.ask(data, limits)
        except _HelperDied:
            helper.kill()
            _helper = None
            raise LoadError(
                "the PDF reader (PDFium) crashed on this file; it is damaged or built to "
                "break readers"
            ) from None
        except LoadError:
            _helper = None  # killed at a limit; the next PDF gets a new helper
            raise
        except BaseException:
            # Stopped while waiting (the run's time limit for the whole file, Ctrl-C):
            # the helper's next answer would be this file's, so it is never asked again.
            helper.kill()
            _helper = None
            raise
    if kind == b"P":
        head, _, pages = text.partition("\n")
        try:
            layout = json.loads(head)
            cells = [(int(t), int(r), int(a), int(b)) for t, r, a, b in layout["cells"]]
            paragraphs = [int(start) for start in layout["paragraphs"]]
            hidden = [(int(p), int(n), str(how), str(t)) for p, n, how, t in layout["hidden"]]
        except (ValueError, TypeError, KeyError):
            raise RuntimeError("the PDF reader failed: its layout is not readable") from None
        return PdfText(pages.split("\f"), cells, paragraphs, hidden)
    if kind == b"E":
        raise LoadError(text)
    raise RuntimeError(f"the PDF reader failed: {text}")


def _die_with_parent() -> None:
    """On Linux, have the kernel kill the helper if the parent dies (no orphan left working)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def serve() -> None:
    """The helper's loop: read a request, answer it, until stdin closes."""
    from lgo_check.load.pdf import read_pdf

    _die_with_parent()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        request = json.loads(line)
        data = _read_exactly(stdin, int(request["size"]))
        if data is None:
            return
        left = request["seconds_left"]
        limits = Limits(
            max_pages=int(request["max_pages"]),
            max_chars_per_page=int(request["max_chars_per_page"]),
            max_seconds=float(request["max_seconds"]),
            deadline=None if left is None else time.monotonic() + float(left),
        )
        kind = b"P"
        try:
            read = read_pdf(data, limits)
            layout = json.dumps(
                {"cells": read.cells, "paragraphs": read.paragraphs, "hidden": read.hidden}
            )
            text = layout + "\n" + "\f".join(page.replace("\f", " ") for page in read.pages)
        except LoadError as exc:
            kind, text = b"E", str(exc)
        except Exception as exc:  # reported to the parent as the loader's failure
            kind, text = b"F", f"{type(exc).__name__}: {exc}"
        # A lone surrogate cannot be sent as UTF-8; the cleaning never leaves one.
        body = text.encode("utf-8", "replace")
        stdout.write(kind + len(body).to_bytes(8, "big"))
        stdout.write(body)
        stdout.flush()
