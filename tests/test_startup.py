"""Start-up: --version and --help load nothing heavy; the progress bar and --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest
from conftest import annual_review_letter

from lgo_check import cli, summary
from lgo_check.report import FORMATS

HEAVY = ("pydantic", "spacy", "pypdfium2", "docx", "pluggy", "tqdm", "thinc")

PROBE = """
import sys
from lgo_check.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r} or m.startswith("lgo_check."))))
"""


@pytest.mark.parametrize(
    "argv", [["--version"], ["--help"], ["check", "--help"], ["rules", "--help"]]
)
def test_version_and_help_import_nothing_heavy(argv: list[str]) -> None:
    probe = PROBE.format(argv=argv, heavy=set(HEAVY))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules = set(done.stdout.strip().splitlines()[-1].split())
    assert "lgo_check.cli" in modules  # the probe ran
    assert modules <= {"lgo_check.cli", "lgo_check.isolation"}, modules


def test_format_names_and_exit_codes_agree_with_their_modules() -> None:
    assert tuple(FORMATS) == cli.FORMAT_NAMES
    assert (cli.EXIT_OK, cli.EXIT_FINDINGS, cli.EXIT_ERROR) == (
        summary.EXIT_OK,
        summary.EXIT_FINDINGS,
        summary.EXIT_ERROR,
    )


def _letters(folder: Path, count: int) -> None:
    for n in range(count):
        (folder / f"l{n}.txt").write_text(annual_review_letter(compliance_rate=90), "utf-8")


def _run_with_terminal_stderr(folder: Path, *argv: str) -> tuple[str, str]:
    """lgo-check with its standard error on a pseudo-terminal, standard output a pipe."""
    leader, follower = pty.openpty()
    # A terminal of 24 rows and 100 columns, as a person's would report.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "lgo_check", "--isolated", "-j", "1", *argv, "."],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    err = b""
    try:
        while True:  # read as it comes: Linux drops a pty's unread output at close
            ready, _, _ = select.select([leader], [], [], 120)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # every writer has closed the terminal
                break
            if not chunk:
                break
            err += chunk
        out = process.stdout.read() if process.stdout else ""
        process.wait(timeout=120)
    finally:
        os.close(leader)
        if process.stdout:
            process.stdout.close()
    return out, err.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    _letters(tmp_path, 8)
    out, err = _run_with_terminal_stderr(tmp_path)
    assert "/8 [" in err and "file" in err  # files done of 8, then rate and time left
    assert "in 8 of 8 files." in out and "/8 [" not in out


def test_no_progress_bar_with_quiet_or_for_a_few_files(tmp_path: Path) -> None:
    _letters(tmp_path, 8)
    out, err = _run_with_terminal_stderr(tmp_path, "--quiet")
    assert err == ""
    assert out.count("LGO201") == 8
    for path in tmp_path.glob("l[3-7].txt"):
        path.unlink()
    out, err = _run_with_terminal_stderr(tmp_path)
    assert err == ""


def test_no_progress_bar_when_stderr_is_not_a_terminal(lgo_cli: Any, lgo_workdir: Path) -> None:
    _letters(lgo_workdir, 8)
    result = lgo_cli("--isolated", "-j", "1", ".")
    assert result.err == ""


def test_quiet_prints_the_findings_and_nothing_else(lgo_cli: Any, lgo_workdir: Path) -> None:
    _letters(lgo_workdir, 2)
    loud = lgo_cli("--isolated", ".")
    quiet = lgo_cli("--isolated", "--quiet", ".")
    assert loud.out.startswith(quiet.out)
    assert "Found" not in quiet.out and quiet.out.count("LGO201") == 2
    assert quiet.code == loud.code == 1
