"""Telling a plugin's ``sys.exit()`` or ``KeyboardInterrupt`` from the user's Ctrl-C.

Plugin code (an import, a hook, a rule's check) runs inside ``except BaseException``
so that ``SystemExit`` or ``KeyboardInterrupt`` raised by the plugin is reported
as the plugin's failure (exit status 2) instead of ending the run with whatever
status the plugin chose. A Ctrl-C from the user must still stop the run: the CLI
installs :func:`interrupt_handler`, which records the signal before raising, and
:func:`reraise_if_fatal` lets that one (and the time limit) through.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class FileTimeout(BaseException):
    """A file's time limit ran out. A BaseException, so ``except Exception`` in a
    rule or loader cannot swallow it."""


_user_interrupted = threading.Event()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _user_interrupted.set()
    raise KeyboardInterrupt


@contextmanager
def interrupt_handler() -> Iterator[None]:
    """While active, a Ctrl-C is known to come from the user (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _user_interrupted.clear()
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def user_interrupted() -> bool:
    return _user_interrupted.is_set()


def reraise_if_fatal(exc: BaseException) -> None:
    """Re-raise what must end the file or the run; return for a plugin's own failure."""
    if isinstance(exc, FileTimeout | GeneratorExit):
        raise exc
    if isinstance(exc, KeyboardInterrupt) and _user_interrupted.is_set():
        raise exc


def describe(exc: BaseException) -> str:
    """``Type: message``, with what a plugin's exit or interrupt means said plainly."""
    if isinstance(exc, SystemExit):
        return f"SystemExit: called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "KeyboardInterrupt: raised by the plugin, not by the user"
    return f"{type(exc).__name__}: {exc}"
