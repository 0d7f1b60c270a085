"""Checking files in parallel, and the per-file time limit that covers every stage.

``jobs == 1``: files are checked in this process. A ``SIGALRM`` timer raises
:class:`~lgo_check.isolation.FileTimeout` when a file's time is up (Python checks
for it between bytecodes, so a rule looping for ever is stopped), and a watchdog
thread ends the run, with a message, if a file is stuck in compiled code that
never returns to Python: a run never hangs.

``jobs >= 2``: worker processes are forked from this one once the pipeline is
built (spaCy and the matchers loaded once, shared copy-on-write), and each is given
one file at a time. A worker keeps its own timer; if it still has not answered a
little after the limit, it is killed, its file reported as timed out, and a fresh
worker takes its place. A worker that dies (a crash, the kernel's out-of-memory
killer) is reported against the file it had. Results arrive in any order and are
handed on in the targets' order; at most a few files per worker wait, so memory
stays flat however many files there are.

Whatever ``jobs`` is, each file's outcome is the same, so the output is the same
bytes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
from types import FrameType
from typing import TYPE_CHECKING, Any

from lgo_check.isolation import FileTimeout

if TYPE_CHECKING:
    from lgo_check.load import Target
    from lgo_check.runner import FileOutcome, Pipeline

#: The timer fires this long after the limit, so that a loader's own check of the
#: limit (which says where it stopped, e.g. the page) usually comes first.
ALARM_HEADROOM_SECONDS = 0.5
#: How long past its limit a worker may take to report its own timeout before it is killed.
KILL_GRACE_SECONDS = 2.0
#: How long past its limit an in-process file may run before the run is ended:
#: half the limit again, and at least this.
WATCHDOG_GRACE_SECONDS = 2.0
#: Files handed out ahead of the next one to write, per worker.
WINDOW_PER_WORKER = 4
#: A worker is replaced by a fresh fork after this many files: what a long-lived
#: process accumulates (spaCy's string store grows with every new word) stays bounded.
FILES_PER_WORKER = 500


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def effective_jobs(jobs: int | None, files: int) -> int:
    """Workers worth starting: not more than files, and 1 where fork is unavailable."""
    wanted = jobs if jobs is not None else available_cpus()
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, files))


class Alarm:
    """A per-file time limit in this process, by SIGALRM (main thread only)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.usable = hasattr(signal, "setitimer") and (
            threading.current_thread() is threading.main_thread()
        )
        self._armed = False
        self._previous: Any = None

    def __enter__(self) -> Alarm:
        if self.usable:
            self._previous = signal.signal(signal.SIGALRM, self._fire)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        if self._armed:  # a late signal after the file ended is ignored
            self._armed = False
            raise FileTimeout

    @contextmanager
    def limit(self) -> Iterator[None]:
        if not self.usable:
            yield
            return
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds + ALARM_HEADROOM_SECONDS)
        try:
            yield
        finally:
            self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)


def check_one(pipeline: Pipeline, target: Target, alarm: Alarm) -> FileOutcome:
    try:
        with alarm.limit():
            return pipeline.check(target)
    except FileTimeout:
        return pipeline.timed_out(target)


class _Watchdog:
    """Ends the run if one file runs far past its limit in uninterruptible code."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds + max(WATCHDOG_GRACE_SECONDS, seconds / 2)
        self._current: tuple[str, float] | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="lgo-check-watchdog", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def file(self, display: str | None) -> None:
        self._current = (display, time.monotonic()) if display is not None else None

    def _watch(self) -> None:
        while not self._done.wait(min(1.0, self.seconds / 4)):
            current = self._current
            if current is not None and time.monotonic() - current[1] > self.seconds:
                sys.stderr.write(
                    f"lgo-check: error: {current[0]!r} is still being checked "
                    f"{self.seconds:g} s after it started, in code that cannot be interrupted; "
                    "stopping the run (with --jobs 2 or more such a file is skipped instead)\n"
                )
                sys.stderr.flush()
                with suppress(Exception):  # what is already reported is kept
                    sys.stdout.flush()
                os._exit(2)


def check_in_process(targets: Sequence[Target], pipeline: Pipeline) -> Iterator[FileOutcome]:
    seconds = pipeline.limits.max_seconds
    with Alarm(seconds) as alarm, _Watchdog(seconds) as watchdog:
        for target in targets:
            watchdog.file(target.display)
            outcome = check_one(pipeline, target, alarm)
            watchdog.file(None)
            yield outcome


# --- worker processes ------------------------------------------------------------------


def _serve(conn: Connection, pipeline: Pipeline) -> None:
    """A worker: check each file it is sent, until told to stop."""
    # Ctrl-C reaches the whole process group; the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with Alarm(pipeline.limits.max_seconds) as alarm:
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            index, target = job
            outcome = check_one(pipeline, target, alarm)
            try:
                conn.send((index, outcome))
            except Exception as exc:  # an outcome that cannot be sent back
                conn.send((index, pipeline.failed(target, f"sending the result failed: {exc!r}")))


class _Worker:
    def __init__(self, context: Any, pipeline: Pipeline) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, pipeline), daemon=True)
        self.process.start()
        child.close()
        #: (index, target, deadline) of the file it is checking.
        self.job: tuple[int, Target, float] | None = None
        self.files = 0

    def give(self, index: int, target: Target, seconds: float) -> None:
        self.conn.send((index, target))
        self.files += 1
        self.job = (index, target, time.monotonic() + seconds + KILL_GRACE_SECONDS)

    def stop(self, now: bool = False) -> None:
        if not now:
            with suppress(OSError):
                self.conn.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited with status {exitcode}"
    return f"the worker process checking it {how} (out of memory, or a crash in compiled code)"


def check_in_workers(
    targets: Sequence[Target], pipeline: Pipeline, jobs: int
) -> Iterator[FileOutcome]:
    context = multiprocessing.get_context("fork")
    seconds = pipeline.limits.max_seconds
    window = jobs * WINDOW_PER_WORKER
    workers = [_Worker(context, pipeline) for _ in range(jobs)]
    done: dict[int, FileOutcome] = {}
    next_to_give = 0
    next_to_yield = 0
    try:
        while next_to_yield < len(targets):
            for index, worker in enumerate(workers):
                if (
                    worker.job is None
                    and next_to_give < len(targets)
                    and next_to_give < next_to_yield + window
                ):
                    try:
                        worker.give(next_to_give, targets[next_to_give], seconds)
                    except OSError:  # it died while idle: a fresh one takes the file
                        worker.stop(now=True)
                        workers[index] = worker = _Worker(context, pipeline)
                        worker.give(next_to_give, targets[next_to_give], seconds)
                    next_to_give += 1
            busy = [w for w in workers if w.job is not None]
            if busy:
                nearest = min(w.job[2] for w in busy if w.job is not None)
                ready = wait([w.conn for w in busy], timeout=max(0.0, nearest - time.monotonic()))
                for index, worker in enumerate(workers):
                    if worker.job is None or worker.conn not in ready:
                        continue
                    job_index, target, _ = worker.job
                    try:
                        got_index, outcome = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join(timeout=5)
                        done[job_index] = pipeline.failed(target, _death(worker.process.exitcode))
                        worker.stop(now=True)
                        workers[index] = _Worker(context, pipeline)
                        continue
                    done[got_index] = outcome
                    worker.job = None
                    if worker.files >= FILES_PER_WORKER:
                        worker.stop()
                        workers[index] = _Worker(context, pipeline)
                now = time.monotonic()
                for index, worker in enumerate(workers):
                    if worker.job is not None and now > worker.job[2]:
                        job_index, target, _ = worker.job
                        done[job_index] = pipeline.timed_out(target)
                        worker.stop(now=True)
                        workers[index] = _Worker(context, pipeline)
            while next_to_yield in done:
                yield done.pop(next_to_yield)
                next_to_yield += 1
    finally:
        for worker in workers:
            worker.stop(now=worker.job is not None)


def check_all(targets: Sequence[Target], pipeline: Pipeline, jobs: int) -> Iterator[FileOutcome]:
    """Each target's outcome, in the targets' order, with ``jobs`` processes."""
    if targets:
        # Built once, here, outside any file's time limit (and before workers fork).
        pipeline.warm()
    if jobs <= 1:
        return check_in_process(targets, pipeline)
    return check_in_workers(targets, pipeline, jobs)
