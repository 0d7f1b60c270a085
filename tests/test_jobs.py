"""--jobs: worker processes, the per-file time limit over every stage, dead workers,
and the same bytes of output whatever the number of workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import Installer, annual_review_letter
from documents import letter_to_docx, letter_to_pdf

from lgo_check import workers
from lgo_check.workers import chunk_size, effective_jobs

LOOPING = '''
import os, signal
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity
from lgo_check.rule import Hit, Rule


class Stuck(Rule):
    """A rule that never ends on a letter whose organisation is named Loopford."""

    code = "STUCK001"
    name = "stuck-on-loopford"
    severity = Severity.note

    def check(self, letter, options):
        if "Loopford" in (letter.organisation or ""):
            how = os.environ.get("LGO_TEST_HOW", "loop")
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "deaf":  # no timer's signal reaches it
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            while True:
                pass
        yield Hit("checked by the stuck rule's pack")


@hookimpl
def lgo_check_rules():
    return [Stuck]
'''


def _letter(folder: Path, name: str, body: str = "Quillmere", **figures: Any) -> str:
    text = annual_review_letter(**figures).replace("Quillmere", body)
    (folder / name).write_text(text, encoding="utf-8")
    return text


def _corpus(folder: Path, with_loop: bool = False) -> None:
    """Letters in every format, a bad file, a non-letter, and (optionally) a stuck one."""
    text = _letter(folder, "a-text.txt", compliance_rate=90)
    _letter(folder, "b-clean.md")
    letter_to_pdf(text, folder / "c-letter.pdf")
    letter_to_docx(annual_review_letter(upheld_rate=90), folder / "d-letter.docx")
    (folder / "e-empty.txt").write_bytes(b"")
    (folder / "f-notes.txt").write_text("Minutes of the parish meeting.\n", encoding="utf-8")
    (folder / "g-binary.pdf").write_bytes(b"%PDF-1.7\n\x00\x01garbage")
    for n in range(5):
        _letter(folder, f"h-{n}.txt", per_100k=4.5 + n)
    if with_loop:
        _letter(folder, "i-stuck.txt", body="Loopford")
        _letter(folder, "j-after.txt", compliance_rate=95)


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "jsonl"])
def test_output_is_the_same_bytes_whatever_the_jobs(
    lgo_cli: Any, lgo_workdir: Path, fmt: str
) -> None:
    _corpus(lgo_workdir)
    outputs = {}
    for jobs in ("1", "2", "3"):
        result = lgo_cli("--isolated", "--format", fmt, "-j", jobs, ".")
        assert result.code == 1, result
        outputs[jobs] = result.out
    assert outputs["1"] == outputs["2"] == outputs["3"]
    if fmt == "json":
        files = json.loads(outputs["1"])["files"]
        assert [f["path"] for f in files] == sorted(f["path"] for f in files)
        assert len(files) == 12
        assert {f["format"] for f in files if f["checked"]} == {"text", "markdown", "pdf", "docx"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rule_that_never_ends_costs_only_its_file(
    lgo_cli: Any,
    install_plugin: Installer,
    lgo_workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: str,
) -> None:
    install_plugin("stuck-pack", "stuck", "stuck_lgo_pack", LOOPING)
    _corpus(lgo_workdir, with_loop=True)
    (lgo_workdir / "lgo-check.toml").write_text("timeout-seconds = 1\n", encoding="utf-8")
    result = lgo_cli("--format", "json", "-j", jobs, ".")
    assert result.code == 1, result
    files = {f["path"]: f for f in result.json()["files"]}
    stuck = files["i-stuck.txt"]
    assert not stuck["checked"]
    assert "checking took longer than the limit of 1 s" in stuck["error"]
    assert [f["rule"] for f in stuck["findings"]] == ["unreadable-input"]
    assert files["j-after.txt"]["checked"]
    assert "checked by the stuck rule's pack" in {
        f["message"] for f in files["j-after.txt"]["findings"]
    }


def test_the_timeout_reads_the_same_whatever_the_jobs(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    install_plugin("stuck-pack", "stuck", "stuck_lgo_pack", LOOPING)
    _corpus(lgo_workdir, with_loop=True)
    (lgo_workdir / "lgo-check.toml").write_text("timeout-seconds = 1\n", encoding="utf-8")
    one = lgo_cli("--format", "json", "-j", "1", ".")
    two = lgo_cli("--format", "json", "-j", "2", ".")
    assert one.out == two.out


@pytest.mark.parametrize("jobs", [("-j", "1"), ("-j", "2"), ("--in-process",)])
def test_a_loop_deaf_to_the_timer_is_stopped(
    lgo_cli: Any,
    install_plugin: Installer,
    lgo_workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: tuple[str, ...],
) -> None:
    """In process the loop is stopped by an exception raised in its thread; a worker
    deaf to its timer is killed and replaced."""
    monkeypatch.setenv("LGO_TEST_HOW", "deaf")
    install_plugin("stuck-pack", "stuck", "stuck_lgo_pack", LOOPING)
    _corpus(lgo_workdir, with_loop=True)
    (lgo_workdir / "lgo-check.toml").write_text("timeout-seconds = 1\n", encoding="utf-8")
    result = lgo_cli("--format", "json", *jobs, ".")
    assert result.code == 1, result
    files = {f["path"]: f for f in result.json()["files"]}
    assert "longer than the limit of 1 s" in files["i-stuck.txt"]["error"]
    assert all(files[name]["checked"] for name in ("a-text.txt", "j-after.txt"))
    if jobs == ("--in-process",):  # stopped, not left spinning beside a fresh checker thread
        assert [t.name for t in threading.enumerate()].count("lgo-check") == 1


def test_a_worker_that_dies_is_reported_against_its_file(
    lgo_cli: Any,
    install_plugin: Installer,
    lgo_workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LGO_TEST_HOW", "kill")
    install_plugin("stuck-pack", "stuck", "stuck_lgo_pack", LOOPING)
    _corpus(lgo_workdir, with_loop=True)
    result = lgo_cli("--isolated", "--format", "json", "-j", "2", ".")
    assert result.code == 2, result
    assert "i-stuck.txt: the worker process checking it was killed by SIGKILL" in result.err
    files = {f["path"]: f for f in result.json()["files"]}
    assert len(files) == 14
    [finding] = files["i-stuck.txt"]["findings"]
    assert finding["rule"] == "check-failed"
    assert all(f["checked"] for name, f in files.items() if name[0] in "abdhj")


BLOCKED_IN_C = '''
import ctypes, os, signal
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity
from lgo_check.rule import Hit, Rule


class Blocked(Rule):
    """A rule that waits in C, with the timer's signal blocked, on Loopford's letter."""

    code = "STUCK002"
    name = "blocked-on-loopford"
    severity = Severity.note

    def check(self, letter, options):
        if "Loopford" in (letter.organisation or ""):
            # Neither a timer nor an exception raised in this thread can end these.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            if os.environ.get("LGO_TEST_HOW") == "read":
                reader, _writer = os.pipe()
                os.read(reader, 1)
            ctypes.CDLL(None).sleep(3600)
        yield Hit("checked by the blocking rule's pack")


@hookimpl
def lgo_check_rules():
    return [Blocked]
'''


@pytest.mark.parametrize("how", ["sleep", "read"])
def test_in_process_run_skips_a_file_stuck_in_uninterruptible_code(
    install_plugin: Installer, lgo_workdir: Path, how: str
) -> None:
    """With --in-process, a file stuck in a system call nothing in the process can stop
    (Python's lock let go) is reported as timed out, and every later file is still
    checked and reported: the same bytes as with worker processes, and an honest exit
    status."""
    site = install_plugin("blocked-pack", "blocked", "blocked_lgo_pack", BLOCKED_IN_C)
    _corpus(lgo_workdir, with_loop=True)
    (lgo_workdir / "lgo-check.toml").write_text("timeout-seconds = 1\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "LGO_TEST_HOW": how}
    outputs = {}
    for jobs in ("--in-process", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "lgo_check", "--format", "json", "-j", "1", "-j", jobs, "."]
            if jobs == "2"
            else [sys.executable, "-m", "lgo_check", "--format", "json", jobs, "."],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 1, (jobs, done.stderr)
        outputs[jobs] = done.stdout
    assert outputs["--in-process"] == outputs["2"]
    files = {f["path"]: f for f in json.loads(outputs["2"])["files"]}
    assert len(files) == 14
    stuck = files["i-stuck.txt"]
    assert not stuck["checked"]
    assert stuck["error"].startswith(
        "checking took longer than the limit of 1 s, stopped in rule STUCK002 "
        "blocked-on-loopford (plugin 'blocked')"
    )
    after = files["j-after.txt"]
    assert after["checked"]
    assert "checked by the blocking rule's pack" in {f["message"] for f in after["findings"]}


HOLDING_THE_LOCK = '''
import ctypes, os, re, signal
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity
from lgo_check.rule import Hit, Rule


class Backtracking(Rule):
    """A rule that never lets go of Python's lock on a letter from Loopford."""

    code = "STUCK003"
    name = "backtracking-on-loopford"
    severity = Severity.note

    def check(self, letter, options):
        organisation = letter.organisation or ""
        if "Loopford" in organisation:
            if os.environ.get("LGO_TEST_HOW") == "compiled":
                # A C loop that holds the lock and that no signal interrupts.
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
                ctypes.PyDLL(None).sleep(3600)
            # Catastrophic backtracking: 2 ** 60 ways to split the name's run of x.
            crafted = organisation.split()[0] + "y" * 60
            re.match(r"(?:[A-Za-z]+[a-z]+)+\\d", crafted)
        yield Hit("checked by the backtracking rule's pack")


@hookimpl
def lgo_check_rules():
    return [Backtracking]
'''


@pytest.mark.parametrize("how", ["regex", "compiled"])
@pytest.mark.parametrize("jobs", [("-j", "1"), ("-j", "2"), ()])
def test_no_file_stuck_holding_pythons_lock_hangs_the_run(
    install_plugin: Installer, lgo_workdir: Path, how: str, jobs: tuple[str, ...]
) -> None:
    """A plugin rule that holds Python's lock for ever (a catastrophic regular
    expression on a crafted letter, a C loop) costs only its file, with -j 1, -j 2 and
    the default: the file is reported with where it stopped, the letter after it is
    checked, and the exit status is not 0."""
    site = install_plugin("backtrack-pack", "backtrack", "backtrack_lgo_pack", HOLDING_THE_LOCK)
    _letter(lgo_workdir, "a-before.txt", compliance_rate=90)
    _letter(lgo_workdir, "i-stuck.txt", body="Loopford")
    _letter(lgo_workdir, "j-after.txt", compliance_rate=95)
    (lgo_workdir / "lgo-check.toml").write_text("timeout-seconds = 1\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "LGO_TEST_HOW": how}
    done = subprocess.run(
        [sys.executable, "-m", "lgo_check", "--format", "json", *jobs, "."],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    assert list(files) == ["a-before.txt", "i-stuck.txt", "j-after.txt"]
    stuck = files["i-stuck.txt"]
    assert not stuck["checked"]
    [finding] = stuck["findings"]
    assert finding["rule"] == "unreadable-input"
    assert finding["message"].startswith(
        "Could not be checked: checking took longer than the limit of 1 s, stopped in rule "
        "STUCK003 backtracking-on-loopford (plugin 'backtrack')"
    )
    for name in ("a-before.txt", "j-after.txt"):
        assert files[name]["checked"]
        messages = {f["message"] for f in files[name]["findings"]}
        assert "checked by the backtracking rule's pack" in messages


@pytest.mark.parametrize("how", ["deaf", "kill"])
def test_files_sent_with_a_stuck_one_are_all_checked(
    lgo_cli: Any,
    install_plugin: Installer,
    lgo_workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """Files go to a worker several at a time; those sent with a file that stops its
    worker (killed at the limit, or dead) are checked by the worker that replaces it."""
    monkeypatch.setenv("LGO_TEST_HOW", how)
    install_plugin("stuck-pack", "stuck", "stuck_lgo_pack", LOOPING)
    for n in range(40):
        _letter(lgo_workdir, f"{n:02d}.txt", body="Loopford" if n == 11 else "Quillmere")
    (lgo_workdir / "lgo-check.toml").write_text("timeout-seconds = 1\n", encoding="utf-8")
    assert chunk_size(40, 2) > 3  # 11 is sent with the files after it
    two = lgo_cli("--format", "json", "-j", "2", ".")
    assert two.code == (2 if how == "kill" else 1), two
    files = {f["path"]: f for f in two.json()["files"]}
    assert list(files) == [f"{n:02d}.txt" for n in range(40)]
    assert not files["11.txt"]["checked"]
    for name, file in files.items():
        if name != "11.txt":
            assert file["checked"], name
            assert "checked by the stuck rule's pack" in {f["message"] for f in file["findings"]}
    if how == "deaf":
        assert lgo_cli("--format", "json", "-j", "1", ".").out == two.out


def test_workers_replaced_after_their_share_of_files_change_nothing(
    lgo_cli: Any, lgo_workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(30):
        _letter(lgo_workdir, f"{n:02d}.txt", per_100k=1.5 + n)
    one = lgo_cli("--isolated", "--format", "json", "-j", "1", ".")
    monkeypatch.setattr(workers, "FILES_PER_WORKER", 4)
    started = []
    original = workers._Worker.__init__

    def counted(self: Any, *args: Any) -> None:
        original(self, *args)
        started.append(self.process)

    monkeypatch.setattr(workers._Worker, "__init__", counted)
    two = lgo_cli("--isolated", "--format", "json", "-j", "2", ".")
    assert two.code == one.code == 0
    assert two.out == one.out
    assert len(two.json()["files"]) == 30
    assert len(started) >= 30 // 4
    # Workers let go after their share are not waited for one by one, but every one
    # has ended and been reaped when the run is over.
    assert not [process for process in started if process.is_alive()]
    assert all(process.exitcode == 0 for process in started)


@pytest.mark.parametrize(("fmt", "section"), [("json", True), ("jsonl", True), ("sarif", False)])
def test_the_bodies_section_is_built_only_for_a_format_that_has_one(
    lgo_cli: Any, lgo_workdir: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, section: bool
) -> None:
    """Building the body-level section is most of the body-level stage's cost, paid at
    the end of the run by its process alone: only JSON and JSON Lines write it."""
    from lgo_check import bodies, history

    built = []
    original = bodies.body_reports

    def counted(*args: Any) -> Any:
        built.append(1)
        return original(*args)

    monkeypatch.setattr(history, "body_reports", counted)
    for n in range(3):
        _letter(lgo_workdir, f"{n}.txt", per_100k=1.5 + n)
    result = lgo_cli("--isolated", "--format", fmt, "-j", "2", ".")
    assert result.code == 0, result
    assert bool(built) is section
    if fmt == "json":
        [body] = result.json()["bodies"]
        assert len(body["letters"]) == 3


def test_jobs_from_configuration_and_command_line(lgo_cli: Any, lgo_workdir: Path) -> None:
    _letter(lgo_workdir, "a.txt")
    (lgo_workdir / "lgo-check.toml").write_text("jobs = 0\n", encoding="utf-8")
    result = lgo_cli(".")
    assert result.code == 2 and "jobs" in result.err
    (lgo_workdir / "lgo-check.toml").write_text("jobs = 2\n", encoding="utf-8")
    assert lgo_cli(".").code == 0
    with pytest.raises(SystemExit) as usage:
        lgo_cli("-j", "0", ".")
    assert usage.value.code == 2


def test_effective_jobs() -> None:
    assert effective_jobs(4, 2) == 2
    assert effective_jobs(4, 0) == 1
    assert effective_jobs(1, 100) == 1
    assert effective_jobs(None, 100) >= 1
