"""Checking files in worker processes, and the per-file time limit that covers every stage.

Files are checked in worker processes forked from this one once the pipeline is
built (spaCy and the matchers loaded once, shared copy-on-write), ``jobs`` of them,
**one with** ``jobs == 1``: a process can always be killed, whatever it is stuck in.
Each worker is given a few files at a time. It keeps its own timer (SIGALRM in its
main thread, which Python, and the ``re`` engine every few thousand steps, check
between their steps); if it still has not answered a little after the limit (stuck
in compiled code that holds Python's lock and checks no signal: a C extension's
loop, a foreign call made through ``ctypes.PyDLL``), it is killed, its file reported
as timed out with the stage it was in (kept in memory shared with this process,
:class:`SharedStageNote`), and a fresh worker takes its place. A worker that dies (a
crash, the kernel's out-of-memory killer) is reported against the file it had.
Results arrive in any order and are handed on in the targets' order; at most a few
files per worker wait, so memory stays flat however many files there are.

``in_process`` (the CLI's ``--in-process``, for a debugger or a profiler; and where
``fork`` does not exist): files are checked in this process by one checker thread,
while the calling thread waits for each file's outcome with the file's deadline.
Past the deadline it raises :class:`~lgo_check.isolation.FileTimeout` in the checker
thread (Python checks for it between bytecodes, so a rule looping for ever, even one
deaf to signals, is stopped) and the file is reported as timed out. If the checker
still does not answer (stuck in compiled code or a system call), it is left behind,
the file is reported as timed out all the same, and a fresh checker thread takes the
next file. What this cannot stop is compiled code that holds Python's lock and never
gives it back (a catastrophic regular expression in a thread other than the main
one, a C extension's loop): every thread of the process waits on it for ever. That
is why a run is never in-process unless asked.

Whatever ``jobs`` is, each file's outcome is the same, so the output is the same
bytes.
"""

from __future__ import annotations

import atexit
import gc
import mmap
import multiprocessing
import os
import queue
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from lgo_check.isolation import FileTimeout
from lgo_check.runner import StageNote

if TYPE_CHECKING:
    from lgo_check.load import Target
    from lgo_check.runner import FileOutcome, Pipeline

R = TypeVar("R")

#: The timer fires this long after the limit, so that a loader's own check of the
#: limit (which says where it stopped, e.g. the page) usually comes first.
ALARM_HEADROOM_SECONDS = 0.5
#: How long past its limit a worker may take to report its own timeout before it is killed.
KILL_GRACE_SECONDS = 2.0
#: How long an in-process file may take, after being told to stop at its limit,
#: before its checker thread is left behind and a fresh one takes the next file.
ABANDON_GRACE_SECONDS = 2.0
#: The checker thread's stack: as deep as a main thread's may be (parsers recurse).
CHECKER_STACK_BYTES = 64 * 1024 * 1024
#: Runs of files handed out ahead of the next one to write, per worker.
WINDOW_PER_WORKER = 3
#: The most files sent to a worker in one message.
MAX_CHUNK = 16
#: A worker is replaced by a fresh fork after this many files: what a long-lived
#: worker accumulates stays bounded. That is not its own data (one process checking
#: 1,500 letters stays at 105 MiB resident) but its private copies of the pages it
#: shares with the run's process, each copied at its first write (reference counts).
#: On 10,000 mixed letters with -j 2 (benchmarks/bench_run.py), 2,000 put the process
#: tree's peak at 304 MiB, over the 300 MiB budget; 500 keeps it at about 260 MiB
#: (1,000 already reached 292 MiB on 2,000 letters).
FILES_PER_WORKER = 500
#: The same for a run's only worker (-j 1), whose copy of the pages it shares with the
#: run's process costs half as much in all: 2,000 letters checked by one worker (never
#: replaced) peak at 211 MiB for the tree, where replacing it every 500 files (a fresh
#: fork starts cold: caches, the PDF helper, its first writes to shared pages) cost
#: about 1 s more CPU (benchmarks/bench_run.py --whole-only --sizes 2000 --jobs 1).
FILES_PER_LONE_WORKER = 2000


def _no_final_collection() -> None:
    """At exit, keep the collector away from what the process built (spaCy, the
    matchers): the operating system reclaims it at once, while collecting it object by
    object cost about 0.1 s of CPU at the end of every run."""
    gc.freeze()


atexit.register(_no_final_collection)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def effective_jobs(jobs: int | None, files: int) -> int:
    """Workers worth starting: not more than files, and 1 where fork is unavailable."""
    wanted = jobs if jobs is not None else available_cpus()
    if not can_fork():
        return 1
    return max(1, min(wanted, files))


class SharedStageNote(StageNote):
    """A worker's :class:`~lgo_check.runner.StageNote`, in memory shared with the run's
    process (mapped before the fork), so that a worker killed at the time limit is
    reported with where it was. Read only once the worker is stuck or dead."""

    SIZE = 512

    def __init__(self) -> None:
        self.buffer = mmap.mmap(-1, self.SIZE)

    def mark(self, stage: str) -> None:
        data = stage.encode("utf-8", "backslashreplace")[: self.SIZE - 2]
        self.buffer[2 : 2 + len(data)] = data
        self.buffer[0:2] = len(data).to_bytes(2, "big")

    def read(self) -> str:
        size = int.from_bytes(self.buffer[0:2], "big")
        return self.buffer[2 : 2 + size].decode("utf-8", "replace")

    def close(self) -> None:
        self.buffer.close()


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
        return pipeline.timed_out(target, pipeline.note.read())


class _Checker:
    """A thread that checks one file at a time for the thread that waits on it.

    One per process, kept between runs (a PDF helper process started from it lives
    as long as it does), replaced only when one is left behind.
    """

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[tuple[Pipeline, Target] | None] = queue.SimpleQueue()
        self.results: queue.SimpleQueue[FileOutcome] = queue.SimpleQueue()
        self.pid = os.getpid()
        #: Left behind: if it ever comes back from where it was stuck, it ends.
        self.retired = False
        previous: int | None = threading.stack_size()
        try:
            threading.stack_size(CHECKER_STACK_BYTES)
        except (ValueError, RuntimeError):  # a platform that fixes the size
            previous = None
        try:
            self.thread = threading.Thread(target=self._serve, name="lgo-check", daemon=True)
            self.thread.start()
        finally:
            if previous is not None:
                threading.stack_size(previous)

    def _serve(self) -> None:
        while True:
            try:
                job = self.jobs.get()
                if job is None:
                    return
                pipeline, target = job
                try:
                    outcome = pipeline.check(target)
                except FileTimeout:
                    outcome = pipeline.timed_out(target, pipeline.note.read())
                self.results.put(outcome)
            except FileTimeout:  # a stop that came after its file was done
                if self.retired:
                    return

    def stop_current(self) -> None:
        """Raise FileTimeout in the checker thread, wherever it is in Python code."""
        import ctypes

        ident = self.thread.ident
        if ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(ident), ctypes.py_object(FileTimeout)
            )

    def check(self, pipeline: Pipeline, target: Target) -> FileOutcome | None:
        """The file's outcome, or None if the checker is stuck in it and must be left."""
        seconds = pipeline.limits.max_seconds
        self.jobs.put((pipeline, target))
        try:
            return self.results.get(timeout=seconds + ALARM_HEADROOM_SECONDS)
        except queue.Empty:
            pass
        self.stop_current()
        try:
            return self.results.get(timeout=ABANDON_GRACE_SECONDS)
        except queue.Empty:
            return None


_checker: _Checker | None = None


def _the_checker() -> _Checker:
    global _checker
    if _checker is None or _checker.pid != os.getpid() or not _checker.thread.is_alive():
        _checker = _Checker()
    return _checker


def _abandon(checker: _Checker) -> None:
    """Leave a checker behind (stuck, or between files of a run that ended early)."""
    global _checker
    if _checker is checker:
        _checker = None
    checker.retired = True
    checker.jobs.put(None)


def check_in_process(targets: Sequence[Target], pipeline: Pipeline) -> Iterator[FileOutcome]:
    checker = _the_checker()
    finished = False
    try:
        for target in targets:
            outcome = checker.check(pipeline, target)
            if outcome is None:
                _abandon(checker)
                outcome = pipeline.timed_out(target, pipeline.note.read())
                checker = _the_checker()
            yield outcome
        finished = True
    finally:
        if not finished:  # interrupted (Ctrl-C) or closed early: stop what it is doing
            checker.stop_current()
            _abandon(checker)


# --- worker processes ------------------------------------------------------------------


#: What is done with each file's outcome before it is handed on (in the worker).
Finish = Callable[["FileOutcome"], Any]


def _serve(
    conn: Connection,
    pipeline: Pipeline,
    targets: Sequence[Target],
    finish: Finish | None,
    note: SharedStageNote,
) -> None:
    """A worker: check each run of files it is sent, one answer per file, until told to stop.

    The targets were inherited with the fork, so a job is two numbers.
    """
    # Ctrl-C reaches the whole process group; the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pipeline.note = note
    # This worker's own PDF reader process starts now, while it checks other files.
    _prepare_loaders(pipeline, targets)
    with Alarm(pipeline.limits.max_seconds) as alarm:
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            start, stop = job
            for index in range(start, stop):
                target = targets[index]
                outcome = check_one(pipeline, target, alarm)
                try:
                    conn.send((index, finish(outcome) if finish is not None else outcome))
                except Exception as exc:  # an outcome that cannot be sent back
                    failed = pipeline.failed(target, f"sending the result failed: {exc!r}")
                    conn.send((index, finish(failed) if finish is not None else failed))


class _Worker:
    def __init__(
        self, context: Any, pipeline: Pipeline, targets: Sequence[Target], finish: Finish | None
    ) -> None:
        self.conn, child = context.Pipe()
        #: Where the file it is checking is (written by the worker).
        self.note = SharedStageNote()
        self.process = context.Process(
            target=_serve, args=(child, pipeline, targets, finish, self.note), daemon=True
        )
        self.process.start()
        child.close()
        #: The files it was given and has not answered for, in the order it checks them.
        self.pending: deque[int] = deque()
        #: When the file it is checking now started (its last answer, or the job's start).
        self.since = 0.0
        self.files = 0

    def give(self, start: int, stop: int) -> None:
        self.conn.send((start, stop))
        if not self.pending:
            self.since = time.monotonic()
        self.pending.extend(range(start, stop))
        self.files += stop - start

    def let_go(self) -> None:
        """Tell it to end once it has answered for its files (it ends on its own; see
        :meth:`ended`, :meth:`stop`)."""
        with suppress(OSError):
            self.conn.send(None)

    def ended(self) -> bool:
        """Whether it has ended, reaped if so (never waits)."""
        if self.process.is_alive():
            return False
        self.process.join()
        self.note.close()
        return True

    def stop(self, now: bool = False) -> None:
        """End it: let it end, waiting a few seconds, unless ``now`` (then killed)."""
        if not now:
            self.let_go()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.note.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited with status {exitcode}"
    return f"the worker process checking it {how} (out of memory, or a crash in compiled code)"


def chunk_size(files: int, jobs: int) -> int:
    """Files sent to a worker at once: fewer messages, but every worker kept busy."""
    return max(1, min(MAX_CHUNK, files // (jobs * 4)))


def check_in_workers(
    targets: Sequence[Target], pipeline: Pipeline, jobs: int, finish: Finish | None = None
) -> Iterator[Any]:
    context = multiprocessing.get_context("fork")
    seconds = pipeline.limits.max_seconds
    chunk = chunk_size(len(targets), jobs)
    share = FILES_PER_WORKER if jobs > 1 else FILES_PER_LONE_WORKER
    window = jobs * chunk * WINDOW_PER_WORKER

    def handed_on(outcome: FileOutcome) -> Any:
        return finish(outcome) if finish is not None else outcome

    # Objects alive now (spaCy, the matchers) are shared with the workers and never
    # freed: kept out of the collector's sight, a collection in a worker does not
    # touch (and so copy) every page it inherited.
    gc.freeze()
    # One poll object for the whole run (multiprocessing's wait() builds a selector
    # per call, which cost more than reading the answer).
    poller = select.poll()
    workers: list[_Worker] = []
    by_fd: dict[int, int] = {}

    def start(index: int) -> None:
        worker = _Worker(context, pipeline, targets, finish)
        if index == len(workers):
            workers.append(worker)
        else:
            workers[index] = worker
        fd = worker.conn.fileno()
        by_fd[fd] = index
        poller.register(fd, select.POLLIN)

    #: Workers told to end after their share of files, not yet reaped: a worker takes
    #: about 0.1 s to end (its memory unmapped), which the run does not wait for.
    leaving: list[_Worker] = []

    def retire(index: int, now: bool) -> None:
        worker = workers[index]
        if worker.conn.closed:
            return
        fd = worker.conn.fileno()
        poller.unregister(fd)
        del by_fd[fd]
        if now:
            worker.stop(now=True)
        else:
            worker.let_go()
            worker.conn.close()
            leaving[:] = [w for w in leaving if not w.ended()]
            leaving.append(worker)

    for index in range(jobs):
        start(index)
    done: dict[int, Any] = {}
    #: Files taken back from a worker that was replaced, given before new ones.
    again: deque[int] = deque()
    next_new = 0
    next_to_yield = 0

    def replace(index: int) -> None:
        worker = workers[index]
        again.extendleft(reversed(worker.pending))
        worker.pending.clear()
        retire(index, now=True)
        start(index)

    try:
        while next_to_yield < len(targets):
            for index, worker in enumerate(workers):
                if len(worker.pending) >= chunk or worker.files >= share:
                    continue
                if again:
                    first = again.popleft()
                    stop = first + 1
                elif next_new < len(targets) and next_new < next_to_yield + window:
                    first = next_new
                    stop = min(
                        len(targets),
                        first + chunk,
                        next_to_yield + window,
                        first + share - worker.files,
                    )
                    next_new = stop
                else:
                    continue
                try:
                    worker.give(first, stop)
                except OSError:  # it died while idle: a fresh one takes the files
                    worker.pending.extend(range(first, stop))
                    replace(index)
            busy = [w for w in workers if w.pending]
            if busy:
                nearest = min(w.since for w in busy) + seconds + KILL_GRACE_SECONDS
                wait_ms = max(0, int((nearest - time.monotonic()) * 1000) + 1)
                for fd, _ in poller.poll(wait_ms):
                    index = by_fd[fd]
                    worker = workers[index]
                    try:
                        got_index, result = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join(timeout=5)
                        if worker.pending:
                            lost = worker.pending.popleft()
                            done[lost] = handed_on(
                                pipeline.failed(targets[lost], _death(worker.process.exitcode))
                            )
                        replace(index)
                        break  # its descriptor's number may now be a new worker's: poll again
                    worker.pending.popleft()
                    worker.since = time.monotonic()
                    done[got_index] = result
                    if not worker.pending and worker.files >= share:
                        retire(index, now=False)
                        start(index)
                        break
                now = time.monotonic()
                for index, worker in enumerate(workers):
                    if worker.pending and now > worker.since + seconds + KILL_GRACE_SECONDS:
                        late = worker.pending.popleft()
                        stage = worker.note.read()
                        replace(index)
                        done[late] = handed_on(pipeline.timed_out(targets[late], stage))
            while next_to_yield in done:
                yield done.pop(next_to_yield)
                next_to_yield += 1
    finally:
        # All told at once, then waited for: they end side by side.
        for index, worker in enumerate(workers):
            retire(index, now=bool(worker.pending))
        for worker in leaving:
            worker.process.join(timeout=5)
            worker.stop(now=True)  # killed only if still there
        gc.unfreeze()


def supervised(in_process: bool) -> bool:
    """Whether files go to worker processes (always, unless asked not to or unable)."""
    return not in_process and can_fork()


def _prepare_loaders(pipeline: Pipeline, targets: Sequence[Target]) -> None:
    """Let the PDF loader start its helper process early if PDFs are coming."""
    from lgo_check.load.pdf import PdfLoader

    for loader in pipeline.loaders:
        if isinstance(loader, PdfLoader):
            loader.prepare(targets)


@overload
def check_all(
    targets: Sequence[Target], pipeline: Pipeline, jobs: int, *, in_process: bool = False
) -> Iterator[FileOutcome]: ...


@overload
def check_all(
    targets: Sequence[Target],
    pipeline: Pipeline,
    jobs: int,
    finish: Callable[[FileOutcome], R],
    *,
    in_process: bool = False,
) -> Iterator[R]: ...


def check_all(
    targets: Sequence[Target],
    pipeline: Pipeline,
    jobs: int,
    finish: Finish | None = None,
    *,
    in_process: bool = False,
) -> Iterator[Any]:
    """Each target's outcome, in the targets' order, with ``jobs`` worker processes
    (``in_process``: in this process instead).

    ``finish`` is applied to each outcome (in the worker that checked it), and what it
    returns is handed on instead.
    """
    in_process = not supervised(in_process)
    if targets and in_process:
        # The PDF reader's helper process starts while the pipeline warms up.
        _prepare_loaders(pipeline, targets)
    if targets:
        # Built once, here, outside any file's time limit (and before workers fork).
        pipeline.warm()
    if in_process:
        if finish is not None:
            return map(finish, check_in_process(targets, pipeline))
        return check_in_process(targets, pipeline)
    return check_in_workers(targets, pipeline, max(1, jobs), finish)
