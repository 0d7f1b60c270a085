"""Bad input, end to end through the CLI: one bad file never stops the run.

Every case puts one bad file in a folder beside a good letter and runs
``lgo-check`` in-process. The bad file must get exactly one ``unreadable-input``
finding (LGO001) naming the reason, ``checked: false`` in JSON, exit status 1,
no traceback; the good letter must still be read and keep its findings.

The good letter is one whose only finding is a note, so on its own it exits 0:
the exit status 1 in these tests comes from the bad file.
"""

from __future__ import annotations

import builtins
import codecs
import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import lgo_check.load
import lgo_check.runner
from lgo_check.cli import main

ROOT = Path(__file__).resolve().parent.parent
LETTERS = ROOT / "tests" / "letters"
GOOD = "scarrow-isles-2022-23.txt"
GOOD_PATH = f"letters/{GOOD}"
EXPECTED: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((LETTERS / "expected.json").read_text(encoding="utf-8"))["letters"]
}
FORMATS = ["json", "text"]
PDF_LOADER = Path(lgo_check.load.__file__).parent / "pdf.py"
DOCX_LOADER = Path(lgo_check.load.__file__).parent / "docx.py"
needs_pdf = pytest.mark.skipif(not PDF_LOADER.exists(), reason="no PDF loader yet")
needs_docx = pytest.mark.skipif(not DOCX_LOADER.exists(), reason="no Word loader yet")


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    fmt: str

    @property
    def report(self) -> dict[str, Any]:
        assert self.fmt == "json"
        return json.loads(self.out)

    def files(self) -> dict[str, dict[str, Any]]:
        return {f["path"]: f for f in self.report["files"]}


def run_cli(
    capsys: pytest.CaptureFixture[str],
    *args: str,
    fmt: str = "json",
    config: Path | None = None,
) -> Outcome:
    settings = ["--config", str(config)] if config else ["--isolated"]
    code = main([*settings, "--format", fmt, "--color", "never", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    assert "Traceback" not in captured.out, captured.out
    return Outcome(code, captured.out, captured.err, fmt)


@pytest.fixture
def letters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``letters/`` (relative to the current folder, tmp_path) holding the good letter."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "letters"
    folder.mkdir()
    shutil.copy(LETTERS / GOOD, folder / GOOD)
    return folder


def assert_good_letter_checked(outcome: Outcome, path: str = GOOD_PATH) -> None:
    """The good letter was read, extracted and still has its expected findings."""
    expected = EXPECTED[Path(path).name]
    wanted = [(f["rule"], f["line"]) for f in expected["expected_findings"]]
    assert wanted, "the good letter should have findings to prove it was checked"
    if outcome.fmt == "json":
        file = outcome.files()[path]
        assert file["checked"] is True
        assert file["error"] is None
        letter = file["letter"]
        assert letter["organisation"] == expected["organisation"]
        want = expected["statistics"]["remedy"]["rate_pct"]
        assert letter["statistics"]["remedy"]["rate_pct"] == want
        fired = [(f["rule"], f["line"]) for f in file["findings"]]
        for rule, line in wanted:
            assert any(r == rule and (line is None or n == line) for r, n in fired), fired
    else:
        for rule, line in wanted:
            where = str(line) if line else r"\d+"
            pattern = rf"^{re.escape(path)}:{where}:\d+: .*\[{rule}\]$"
            assert re.search(pattern, outcome.out, re.MULTILINE), outcome.out


def assert_one_unreadable(
    outcome: Outcome, path: str, reasons: tuple[str, ...], *, checked_files: int = 1
) -> None:
    """Exactly one unreadable-input finding for ``path``, naming one of ``reasons``."""
    assert outcome.code == 1, (outcome.code, outcome.out, outcome.err)
    assert outcome.err == "", outcome.err

    def names_reason(text: str) -> bool:
        return any(reason in text.lower() for reason in reasons)

    if outcome.fmt == "json":
        report = outcome.report
        file = outcome.files()[path]
        assert file["checked"] is False
        assert file["letter"] is None
        assert file["error"] and names_reason(file["error"]), file["error"]
        assert len(file["findings"]) == 1, file["findings"]
        finding = file["findings"][0]
        assert finding["rule_id"] == "LGO001"
        assert finding["rule"] == "unreadable-input"
        assert finding["severity"] == "error"
        assert names_reason(finding["message"]), finding["message"]
        assert report["summary"]["not_checked"] == 1
        assert report["summary"]["checked"] == checked_files
        assert report["summary"]["files"] == checked_files + 1
    else:
        lines = [line for line in outcome.out.splitlines() if line.startswith(f"{path}:")]
        assert len(lines) == 1, outcome.out
        assert re.fullmatch(
            rf"{re.escape(path)}:1:1: LGO001 error Could not be checked: .+\. \[unreadable-input\]",
            lines[0],
        ), lines[0]
        assert names_reason(lines[0]), lines[0]
        assert outcome.out.rstrip().endswith("1 file could not be checked."), outcome.out
        assert "lgo-check: error:" not in outcome.out, outcome.out


# --- one bad file beside a good letter ---------------------------------------------------

Maker = Callable[[Path, pytest.MonkeyPatch], tuple[str, list[str]]]
"""Makes the bad input in ``letters/``; returns its display path and extra CLI paths."""


def _write(name: str, data: bytes) -> Maker:
    def make(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
        (folder / name).write_bytes(data)
        return f"letters/{name}", []

    return make


def _random_junk(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    (folder / "junk.txt").write_bytes(os.urandom(8192))
    return "letters/junk.txt", []


def _random_junk_without_nul(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[str]]:
    # No NUL byte: the NUL test cannot catch it, decoding or the control-character test must.
    (folder / "junk.txt").write_bytes(bytes(b for b in os.urandom(8192) if b))
    return "letters/junk.txt", []


def _nonexistent(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    return "letters/missing.txt", ["letters/missing.txt"]


def _before_opening(
    monkeypatch: pytest.MonkeyPatch, name: str, action: Callable[[str], None]
) -> None:
    """Call ``action(path)`` just before any file named ``name`` is opened, however it is."""
    path_open, builtin_open, os_open = Path.open, builtins.open, os.open

    def on_path_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == name:
            action(str(self))
        return path_open(self, *args, **kwargs)

    def on_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike) and os.path.basename(os.fspath(file)) == name:
            action(os.fsdecode(file))
        return builtin_open(file, *args, **kwargs)

    def on_os_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(os.fsdecode(file)) == name:
            action(os.fsdecode(file))
        return os_open(file, *args, **kwargs)

    monkeypatch.setattr(Path, "open", on_path_open)
    monkeypatch.setattr(builtins, "open", on_open)
    monkeypatch.setattr(os, "open", on_os_open)


def _unreadable(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    bad = folder / "locked.txt"
    shutil.copy(LETTERS / "wessex-fra-2023-24.txt", bad)
    if os.geteuid() != 0:
        bad.chmod(0)
    else:  # root reads anything: make opening fail the way chmod 000 would

        def refuse(path: str) -> None:
            raise PermissionError(errno.EACCES, "Permission denied", path)

        _before_opening(monkeypatch, "locked.txt", refuse)
    return "letters/locked.txt", []


def _vanishes_after_discovery(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[str]]:
    bad = folder / "vanishing.txt"
    shutil.copy(LETTERS / "wessex-fra-2023-24.txt", bad)
    discover = lgo_check.load.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> Any:
        targets = discover(*args, **kwargs)
        assert any(t.path.name == "vanishing.txt" for t in targets)
        bad.unlink()
        return targets

    monkeypatch.setattr(lgo_check.load, "discover", discover_then_delete)
    monkeypatch.setattr(lgo_check.runner, "discover", discover_then_delete, raising=False)
    return "letters/vanishing.txt", []


def _vanishes_between_stat_and_read(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[str]]:
    bad = folder / "vanishing.txt"
    shutil.copy(LETTERS / "wessex-fra-2023-24.txt", bad)
    _before_opening(monkeypatch, "vanishing.txt", lambda path: Path(path).unlink(missing_ok=True))
    return "letters/vanishing.txt", []


def _dangling_symlink(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    os.symlink("nowhere.txt", folder / "dangling.txt")
    return "letters/dangling.txt", []


def _self_symlink(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    os.symlink("self.txt", folder / "self.txt")
    return "letters/self.txt", []


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


NOT_FOUND = ("no such file", "vanished", "does not exist")

BAD_INPUTS = [
    pytest.param(_write("empty.txt", b""), ("empty",), id="empty"),
    pytest.param(_write("blank.txt", b" \t\r\n  \n\x0c \n"), ("empty",), id="whitespace-only"),
    # Blank once decoded: a byte-order mark is not content.
    pytest.param(
        _write("blank.txt", codecs.BOM_UTF8 + b"  \r\n\t\n"), ("empty",), id="whitespace-utf8-bom"
    ),
    pytest.param(
        _write("blank.txt", " \r\n\t \n".encode("utf-16")), ("empty",), id="whitespace-utf16"
    ),
    pytest.param(_random_junk, ("binary", "undecodable"), id="binary-junk"),
    pytest.param(_random_junk_without_nul, ("binary", "undecodable"), id="binary-junk-no-nul"),
    pytest.param(
        _write("latin.txt", b"Annual Review letter 2023-24\n\nDear Sir \x81\x8d caf\xe9\n"),
        ("undecodable",),
        id="undecodable-bytes",
    ),
    pytest.param(
        _write("odd.txt", codecs.BOM_UTF16_LE + "Dear Sir".encode("utf-16-le") + b"\x00"),
        ("utf-16",),
        id="truncated-utf16",
    ),
    pytest.param(_nonexistent, NOT_FOUND, id="nonexistent-path"),
    pytest.param(_unreadable, ("permission denied",), id="no-read-permission"),
    pytest.param(_vanishes_after_discovery, NOT_FOUND, id="vanishes-after-discovery"),
    pytest.param(_vanishes_between_stat_and_read, NOT_FOUND, id="vanishes-before-read"),
    pytest.param(_dangling_symlink, NOT_FOUND, id="dangling-symlink"),
    pytest.param(_self_symlink, ("cannot be read", "symbolic link"), id="symlink-to-itself"),
    # Other formats in disguise, or damaged: the loaders' own reasons.
    pytest.param(
        _write("archive.txt", _zip_bytes({"notes.txt": b"Annual Review letter 2023-24"})),
        ("not a word document",),
        id="zip-as-txt",
        marks=needs_docx,
    ),
    pytest.param(
        _write("letter.docx", b"PK\x03\x04" + b"\x00junk" * 500),
        ("damaged",),
        id="junk-docx",
        marks=needs_docx,
    ),
    pytest.param(
        _write("letter.pdf", b"%PDF-1.7\n" + b"\x00junk" * 500 + b"\n%%EOF\n"),
        ("damaged",),
        id="junk-pdf",
        marks=needs_pdf,
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("make", "reasons"), BAD_INPUTS)
def test_bad_file_beside_good_letter(
    make: Maker,
    reasons: tuple[str, ...],
    fmt: str,
    letters: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad, extra = make(letters, monkeypatch)
    outcome = run_cli(capsys, "letters", *extra, fmt=fmt)
    assert_one_unreadable(outcome, bad, reasons)
    assert_good_letter_checked(outcome)


def test_good_letter_alone_exits_zero(letters: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """So that exit status 1 in the other tests is the bad file's doing."""
    outcome = run_cli(capsys, "letters")
    assert outcome.code == 0, outcome.out
    summary = outcome.report["summary"]
    assert (summary["files"], summary["checked"], summary["not_checked"]) == (1, 1, 0)
    assert_good_letter_checked(outcome)


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_over_configured_size_limit(
    fmt: str, letters: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limit = (letters / GOOD).stat().st_size + 1000
    config = tmp_path / "lgo-check.toml"
    config.write_text(f"max-file-bytes = {limit}\n", encoding="utf-8")
    text = (LETTERS / "wessex-fra-2023-24.txt").read_text(encoding="utf-8")
    (letters / "big.txt").write_text(text * (limit // len(text) + 2), encoding="utf-8")
    outcome = run_cli(capsys, "letters", fmt=fmt, config=config)
    assert_one_unreadable(outcome, "letters/big.txt", ("over the limit",))
    assert_good_letter_checked(outcome)
    if fmt == "json":
        assert f"{limit:,}" in outcome.files()["letters/big.txt"]["error"]


def test_huge_sparse_file_refused_by_size_without_reading(
    letters: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = letters / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(200_000_000)  # sparse: takes no disk space, but reads as 200 MB of NULs
    read_source = lgo_check.runner.read_source
    measured: dict[str, float] = {}

    def measuring_read_source(target: Any, *args: Any, **kwargs: Any) -> Any:
        if target.path.name != "huge.txt":
            return read_source(target, *args, **kwargs)
        tracemalloc.start()
        try:
            return read_source(target, *args, **kwargs)
        finally:
            measured["peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

    monkeypatch.setattr(lgo_check.runner, "read_source", measuring_read_source)
    outcome = run_cli(capsys, "--in-process", "letters")  # measured in this process
    assert_one_unreadable(outcome, "letters/huge.txt", ("over the limit",))
    assert "200,000,000" in outcome.files()["letters/huge.txt"]["error"]
    assert_good_letter_checked(outcome)
    assert measured, "the engine no longer reads files through read_source"
    assert measured["peak"] < 5_000_000, f"{measured['peak']:,} bytes allocated: it was read"


# --- encodings that must be read -------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-8", codecs.BOM_UTF8),
        ("cp1252", b""),
    ],
)
def test_encoded_letter_is_read(
    encoding: str,
    bom: bytes,
    letters: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = "wessex-fra-2023-24.txt"
    text = (LETTERS / name).read_text(encoding="utf-8").replace("\n", "\r\n")
    (letters / name).write_bytes(bom + text.encode(encoding))
    outcome = run_cli(capsys, "letters")
    assert outcome.code in (0, 1), outcome.err
    assert outcome.err == ""
    file = outcome.files()[f"letters/{name}"]
    assert file["checked"] is True, file["error"]
    expected = EXPECTED[name]
    letter = file["letter"]
    assert letter["organisation"] == expected["organisation"]
    assert letter["review_year"] == expected["review_year"]
    for block, fields in expected["statistics"].items():
        for field, value in fields.items():
            assert letter["statistics"][block][field] == value, (block, field)
    # Line numbers are the file's own lines: the same as for the UTF-8 fixture.
    fired = {(f["rule"], f["line"]) for f in file["findings"]}
    for want in expected["expected_findings"]:
        assert (want["rule"], want["line"]) in fired, fired
    assert_good_letter_checked(outcome)


# --- discovery: loops, hidden folders, duplicates --------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_symlink_loop_ends_and_reports_each_letter_once(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(LETTERS / GOOD, tmp_path / GOOD)
    (tmp_path / "sub").mkdir()
    shutil.copy(LETTERS / "wessex-fra-2023-24.txt", tmp_path / "sub" / "wessex.txt")
    os.symlink(tmp_path, tmp_path / "loop")  # the folder inside itself
    os.symlink("..", tmp_path / "sub" / "up")  # and a loop one level down

    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: result.update(outcome=run_cli(capsys, ".", fmt=fmt)), daemon=True
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the run did not end: the symlink loop was followed"
    outcome: Outcome = result["outcome"]
    assert outcome.code == 0, outcome.out  # warnings and notes only
    assert outcome.err == ""
    if fmt == "json":
        paths = [f["path"] for f in outcome.report["files"]]
        assert sorted(paths) == [GOOD, "sub/wessex.txt"], paths
    else:
        located = {line.split(":", 1)[0] for line in outcome.out.splitlines() if ":" in line}
        assert located == {GOOD, "sub/wessex.txt"}, outcome.out
        assert "in 2 of 2 files." in outcome.out
    assert_good_letter_checked(outcome, GOOD)


def test_hidden_folders_and_files_are_skipped(
    letters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for hidden in (letters / ".archive", letters / "sub" / ".git"):
        hidden.mkdir(parents=True)
        shutil.copy(LETTERS / "wessex-fra-2023-24.txt", hidden / "old.txt")
        (hidden / "junk.txt").write_bytes(b"")
    shutil.copy(LETTERS / "wessex-fra-2023-24.txt", letters / ".draft.txt")
    outcome = run_cli(capsys, "letters")
    assert outcome.code == 0, outcome.out
    assert [f["path"] for f in outcome.report["files"]] == [GOOD_PATH]
    assert_good_letter_checked(outcome)


def test_hidden_file_named_explicitly_is_checked(
    letters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(LETTERS / "wessex-fra-2023-24.txt", letters / ".draft.txt")
    outcome = run_cli(capsys, "letters", "letters/.draft.txt")
    assert sorted(outcome.files()) == ["letters/.draft.txt", GOOD_PATH]
    assert outcome.files()["letters/.draft.txt"]["checked"] is True


def test_letter_named_twice_is_reported_once(
    letters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_cli(capsys, "letters", GOOD_PATH, str(letters / GOOD), "./letters")
    assert [f["path"] for f in outcome.report["files"]] == [GOOD_PATH]
    assert outcome.code == 0


def test_folder_named_explicitly_without_letters_is_reported(
    letters: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder named on the command line with no letters in it is not a clean pass.

    ``read_source`` has a reason for it ("is a folder with no letters in it"), but
    ``discover`` walks every folder and returns nothing for an empty one.
    """
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.docx.bak").write_bytes(b"x")
    outcome = run_cli(capsys, "letters", "empty")
    assert_one_unreadable(outcome, "empty", ("folder",))
    assert_good_letter_checked(outcome)


def test_named_pipe_does_not_hang_the_run(
    letters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO (or device) with a letter's extension is not a file to read: reading blocks."""
    pipe = letters / "pipe.txt"
    os.mkfifo(pipe)
    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: result.update(outcome=run_cli(capsys, "letters")), daemon=True
    )
    worker.start()
    worker.join(timeout=10)
    hung = worker.is_alive()
    if hung:  # unblock the reader (a writer opens and closes the pipe) so the thread ends
        fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(timeout=20)
        capsys.readouterr()
    assert not hung, "the run blocked reading a named pipe"
    outcome: Outcome = result["outcome"]
    assert_one_unreadable(outcome, "letters/pipe.txt", ("regular file", "pipe", "not a file"))
    assert_good_letter_checked(outcome)


# --- unusual body names ----------------------------------------------------------------

SCARROW_BLOCK = "Dr Rowntree\nChief Executive\nCouncil of the Isles of Scarrow\n"
WESSEX_BLOCK = "Ms Ferreira\nChief Fire Officer\nWessex Fire and Rescue Authority\n"


@pytest.mark.parametrize(
    ("name", "block", "organisation", "title"),
    [
        ("scarrow-isles-2022-23.txt", None, "Council of the Isles of Scarrow", "Chief Executive"),
        (
            "scarrow-isles-2022-23.txt",
            "Dr Rowntree Chief Executive Council of the Isles of Scarrow\n",
            "Council of the Isles of Scarrow",
            "Chief Executive",
        ),
        (
            "scarrow-isles-2022-23.txt",
            "Dr Rowntree, Chief Executive, Council of the Isles of Scarrow\n",
            "Council of the Isles of Scarrow",
            "Chief Executive",
        ),
        # BUG: the organisation comes out as "of the Council of the Isles of Scarrow".
        (
            "scarrow-isles-2022-23.txt",
            "Dr Rowntree\nChief Executive of the Council of the Isles of Scarrow\n",
            "Council of the Isles of Scarrow",
            "Chief Executive",
        ),
        ("wessex-fra-2023-24.txt", None, "Wessex Fire and Rescue Authority", "Chief Fire Officer"),
        (
            "wessex-fra-2023-24.txt",
            "Ms Ferreira Chief Fire Officer\nWessex Fire and Rescue Authority\n",
            "Wessex Fire and Rescue Authority",
            "Chief Fire Officer",
        ),
        # BUG: "fire" is not a title word, so the title stops at "Chief".
        (
            "wessex-fra-2023-24.txt",
            "Ms Ferreira\nChief Fire Officer Wessex Fire and Rescue Authority\n",
            "Wessex Fire and Rescue Authority",
            "Chief Fire Officer",
        ),
        (  # BUG: as above
            "wessex-fra-2023-24.txt",
            "Ms Ferreira Chief Fire Officer Wessex Fire and Rescue Authority\n",
            "Wessex Fire and Rescue Authority",
            "Chief Fire Officer",
        ),
    ],
    ids=[
        "scarrow-fixture",
        "scarrow-one-line",
        "scarrow-one-line-commas",
        "scarrow-title-of-the-council",
        "wessex-fixture",
        "wessex-name-and-title-line",
        "wessex-title-and-body-line",
        "wessex-one-line",
    ],
)
def test_unusual_body_names(
    name: str,
    block: str | None,
    organisation: str,
    title: str,
    letters: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (LETTERS / name).read_text(encoding="utf-8")
    if block is not None:
        original = SCARROW_BLOCK if name.startswith("scarrow") else WESSEX_BLOCK
        assert original in text
        text = text.replace(original, block)
    (letters / f"x-{name}").write_text(text, encoding="utf-8")
    outcome = run_cli(capsys, "letters")
    letter = outcome.files()[f"letters/x-{name}"]["letter"]
    assert (letter["organisation"], letter["recipient"]["title"]) == (organisation, title)
    assert letter["recipient"]["name"] == EXPECTED[name]["recipient"]["name"]
    assert_good_letter_checked(outcome)


# --- PDFs in disguise ------------------------------------------------------------------


def _pdf_bytes(text: str) -> bytes:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


PDF_TEXT = "Minutes of the parish meeting.\nNothing here is an Ombudsman letter."


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("truncated", [False, True], ids=["pdf-as-txt", "truncated-pdf"])
def test_pdf_in_disguise(
    truncated: bool, fmt: str, letters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _pdf_bytes(PDF_TEXT)
    if truncated:
        data = data[: len(data) // 2]
    (letters / "report.txt").write_bytes(data)
    outcome = run_cli(capsys, "letters", fmt=fmt)
    assert outcome.code == 1, outcome.out
    assert outcome.err == ""
    assert_good_letter_checked(outcome)
    if fmt == "text":
        lines = [x for x in outcome.out.splitlines() if x.startswith("letters/report.txt:")]
        assert lines, outcome.out
        assert re.search(r"\[(unreadable-input|not-an-annual-review-letter)\]", lines[0])
        return
    file = outcome.files()["letters/report.txt"]
    if not PDF_LOADER.exists():
        # No PDF loader yet: read as text it is either refused or not a letter, never a crash.
        assert (file["checked"] is False and file["findings"][0]["rule_id"] == "LGO001") or (
            file["checked"] is True and file["letter"] is not None
        ), file
        return
    assert len(file["findings"]) == 1, file["findings"]
    if truncated:
        assert file["checked"] is False
        assert file["findings"][0]["rule_id"] == "LGO001"
        assert "pdf" in file["error"].lower(), file["error"]
    else:
        assert file["checked"] is True
        assert file["format"] == "pdf"  # content wins over the .txt extension
        assert file["findings"][0]["rule"] == "not-an-annual-review-letter"


# --- folders that cannot be listed, file names that are not UTF-8, the C locale ---------


def test_unlistable_subfolder_is_reported_not_skipped(
    letters: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    private = letters / "private"
    private.mkdir()
    shutil.copy(LETTERS / "wessex-fra-2023-24.txt", private / "wessex.txt")
    scandir = os.scandir

    def refusing_scandir(path: Any = ".") -> Any:
        # Root lists any folder; make this one fail the way chmod 000 does for others.
        if os.fsdecode(path).rstrip("/").endswith("private"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    for fmt in FORMATS:
        outcome = run_cli(capsys, "letters", fmt=fmt)
        assert_one_unreadable(outcome, "letters/private", ("cannot be listed",))
        assert_good_letter_checked(outcome)


NOT_UTF8_NAME = b"caf\xe9-\xff.txt"


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes only on POSIX")
def test_file_name_that_is_not_utf8(letters: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (LETTERS / "wessex-fra-2023-24.txt").read_bytes()
    with open(os.path.join(os.fsencode(letters), NOT_UTF8_NAME), "wb") as handle:
        handle.write(text)
    shown = "letters/caf\\xe9-\\xff.txt"
    for fmt in ("json", "sarif", "text", "github"):
        code = main(["--isolated", "--format", fmt, "--fail-on", "never", "letters"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert "Traceback" not in captured.err
        captured.out.encode("utf-8")  # nothing unencodable reached the output
        if fmt == "json":
            report = json.loads(captured.out)
            files = {f["path"]: f for f in report["files"]}
            assert files[shown]["checked"] is True
            json.dumps(report, ensure_ascii=False).encode("utf-8")  # no lone surrogates
        elif fmt == "sarif":
            json.dumps(json.loads(captured.out), ensure_ascii=False).encode("utf-8")
        else:
            assert "caf\\xe9-\\xff.txt" in captured.out


def test_display_names_escape_only_what_is_not_utf8() -> None:
    assert lgo_check.load.visible_name("council\u2019s letter.txt") == "council\u2019s letter.txt"
    assert lgo_check.load.visible_name(os.fsdecode(b"a\xffb.txt")) == "a\\xffb.txt"


@pytest.mark.parametrize("utf8_mode", ["0", "1"])
def test_c_locale_with_a_curly_apostrophe(tmp_path: Path, utf8_mode: str) -> None:
    """Under LC_ALL=C a curly apostrophe in a file name and in the letter reads as itself."""
    name = "council\u2019s letter.txt"
    text = (LETTERS / "wessex-fra-2023-24.txt").read_text(encoding="utf-8")
    (tmp_path / name).write_text(text.replace("Dear", "Dear \u2018colleague\u2019,"), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON"))}
    env.update(LC_ALL="C", PYTHONUTF8=utf8_mode)
    for fmt in ("json", "text"):
        run = subprocess.run(
            [sys.executable, "-m", "lgo_check", "--isolated", "--format", fmt, "."],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert run.returncode in (0, 1), run.stderr.decode("utf-8", "replace")
        assert b"Traceback" not in run.stderr
        if fmt == "json":
            [file] = json.loads(run.stdout)["files"]
            assert file["path"] == name and file["checked"] is True


# --- one Windows-1252 line in a UTF-8 letter ----------------------------------------------


def test_mixed_encodings_are_decoded_line_by_line(
    letters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "wessex-fra-2023-24.txt"
    text = (LETTERS / name).read_text(encoding="utf-8")
    lines = text.split("\n")
    # Line 3 typed in Windows-1252 (0x92 is a curly apostrophe); the rest UTF-8 with a £.
    data = "\n".join(lines[:2]).encode("utf-8") + b"\nthe Authority\x92s reply\n"
    data += ("\n".join(lines[2:]) + "\nA fee of \u00a3250 was refunded.\n").encode("utf-8")
    (letters / name).write_bytes(data)
    source = lgo_check.load.read_source(
        lgo_check.load.Target(letters / name, name),
        __import__("lgo_check.builtin_rules").builtin_rules.lgo_check_loaders(),
        lgo_check.load.Limits(),
    )
    assert "the Authority\u2019s reply" in source.text
    assert "A fee of \u00a3250 was refunded." in source.text  # not mojibake (Â£)
    assert "\u00c2" not in source.text
    outcome = run_cli(capsys, "letters")
    expected = EXPECTED[name]
    letter = outcome.files()[f"letters/{name}"]["letter"]
    for block, fields in expected["statistics"].items():
        for field, value in fields.items():
            assert letter["statistics"][block][field] == value, (block, field)


# --- hidden text is not the letter's ----------------------------------------------------

COMPLIANCE_SENTENCE = re.compile(r"In \d+% of cases we were satisfied[^\n]*")


def _html_letter(text: str, hidden: str = "") -> str:
    body = "\n".join(f"<p>{line}</p>" if line.strip() else "" for line in text.split("\n"))
    return f"<!DOCTYPE html>\n<html><head><title>Letter</title>{hidden}</head>\n<body>\n{body}\n</body></html>\n"


HIDERS = {
    "inline-display-none": ('<div style="display: none">{}</div>', ""),
    "hidden-attribute": ("<p hidden>{}</p>", ""),
    "visibility-hidden": ('<span style="color:red; visibility:hidden !important">{}</span>', ""),
    "class-rule": ('<div class="aside">{}</div>', "<style>.aside { display:none }</style>"),
    "id-rule": ('<p id="x1">{}</p>', "<style>p#x1 {visibility: collapse}</style>"),
}


@pytest.mark.parametrize("hider", sorted(HIDERS))
def test_hidden_html_figure_changes_nothing(
    hider: str, letters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hidden sentence repeating a figure with another value leaves every value as it was."""
    text = (LETTERS / GOOD).read_text(encoding="utf-8")
    match = COMPLIANCE_SENTENCE.search(text)
    assert match, "the good letter states its compliance rate"
    decoy = re.sub(r"In \d+%", "In 61%", match.group())
    wrapper, style = HIDERS[hider]
    plain = _html_letter(text)
    hidden = plain.replace(
        f"<p>{match.group()}</p>", wrapper.format(decoy) + f"\n<p>{match.group()}</p>"
    )
    if style:
        hidden = hidden.replace("<title>", style + "<title>")
    assert hidden != plain
    (letters / "plain.html").write_text(plain, "utf-8")
    (letters / "hidden.html").write_text(hidden, "utf-8")
    outcome = run_cli(capsys, "letters")
    files = outcome.files()
    for key in ("statistics", "organisation", "review_year", "concerns"):
        assert _values(files["letters/hidden.html"]["letter"][key]) == _values(
            files["letters/plain.html"]["letter"][key]
        ), key
    fired = {(f["rule"], f["message"]) for f in files["letters/plain.html"]["findings"]}
    hidden_findings = files["letters/hidden.html"]["findings"]
    # The same findings, and one more that says what was hidden (tests/test_hidden_text.py).
    assert {
        (f["rule"], f["message"]) for f in hidden_findings if f["rule"] != "hidden-text"
    } == fired
    assert [f["message"] for f in hidden_findings if f["rule"] == "hidden-text"] != []
    assert "61%" not in json.dumps(files["letters/hidden.html"]["letter"])


def _values(data: Any) -> Any:
    """The values without where they came from (the hidden copy moves lines down)."""
    if isinstance(data, dict):
        return {
            k: _values(v)
            for k, v in data.items()
            if k not in ("spans", "line", "column", "end_line", "end_column")
        }
    if isinstance(data, list):
        return [_values(v) for v in data]
    return data


def test_hiding_that_is_not_applied_keeps_the_text() -> None:
    """Only what a browser hides: a rule for a state (:hover) and aria-hidden hide no text."""
    from lgo_check.load.hidden import blank_hidden

    html = (
        "<style>div p:hover { display:none } .x:hover {display:none}</style>"
        '<div><p>kept one</p></div><p class="x">kept two</p><span aria-hidden="true">kept three</span>'
    )
    out, hidden = blank_hidden(html)
    # Only the <style> block itself (code, not text) is blanked.
    body = html.index("<div>")
    assert out[body:] == html[body:] and hidden == body


# --- Word: hidden runs, span amplification, zip work -----------------------------------------


def _docx_with(tmp_path: Path, name: str, edit: Callable[[Any], None]) -> Path:
    from documents import letter_to_docx

    path = letter_to_docx((LETTERS / GOOD).read_text(encoding="utf-8"), tmp_path / name)
    import docx

    document = docx.Document(str(path))
    edit(document)
    document.save(str(path))
    return path


def _add_hidden_decoy(document: Any, how: str) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    decoy = "In 61% of cases we were satisfied the organisation had successfully implemented our recommendations."
    paragraph = document.paragraphs[len(document.paragraphs) // 2]
    if how == "run":
        paragraph.add_run(" " + decoy).font.hidden = True
    elif how == "character-style":
        style = document.styles.add_style("Secret", WD_STYLE_TYPE.CHARACTER)
        style.font.hidden = True
        paragraph.add_run(" " + decoy, style="Secret")
    else:  # a paragraph style based on a hidden one
        base = document.styles.add_style("Hidden base", WD_STYLE_TYPE.PARAGRAPH)
        base.font.hidden = True
        style = document.styles.add_style("Hidden note", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = base
        paragraph.insert_paragraph_before(decoy, style="Hidden note")


@pytest.mark.parametrize("how", ["run", "character-style", "paragraph-style"])
def test_hidden_word_text_changes_nothing(
    how: str, letters: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = _docx_with(tmp_path, "plain.docx", lambda document: None)
    hidden = _docx_with(tmp_path, "hidden.docx", lambda document: _add_hidden_decoy(document, how))
    shutil.copy(plain, letters / "plain.docx")
    shutil.copy(hidden, letters / "hidden.docx")
    outcome = run_cli(capsys, "letters")
    files = outcome.files()
    assert _values(files["letters/hidden.docx"]["letter"]["statistics"]) == _values(
        files["letters/plain.docx"]["letter"]["statistics"]
    )
    assert "61%" not in json.dumps(files["letters/hidden.docx"]["letter"])
    source = lgo_check.load.read_source(
        lgo_check.load.Target(letters / "hidden.docx", "hidden.docx"),
        __import__("lgo_check.builtin_rules").builtin_rules.lgo_check_loaders(),
        lgo_check.load.Limits(),
    )
    assert "61%" not in source.text


def test_hidden_run_switched_back_on_is_read(tmp_path: Path) -> None:
    """A run that sets vanish off inside a hidden paragraph style is visible."""

    def edit(document: Any) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        style = document.styles.add_style("Hidden note", WD_STYLE_TYPE.PARAGRAPH)
        style.font.hidden = True
        paragraph = document.add_paragraph("invisible words ", style="Hidden note")
        paragraph.add_run("visible words").font.hidden = False

    path = _docx_with(tmp_path, "mixed.docx", edit)
    text = (
        __import__("lgo_check.load.docx")
        .load.docx.DocxLoader()
        .load(path, path.read_bytes(), "mixed.docx", lgo_check.load.Limits().started())
        .text
    )
    assert "visible words" in text and "invisible" not in text


def test_huge_column_span_is_bounded(tmp_path: Path) -> None:
    """A 3 KB table whose cell spans a hundred million columns reads in bounded memory."""

    def edit(document: Any) -> None:
        from docx.oxml.ns import qn
        from docx.oxml.parser import OxmlElement

        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "spanning cell"
        table.cell(1, 1).text = "last cell"
        tc_pr = table.cell(0, 0)._tc.get_or_add_tcPr()
        span = OxmlElement("w:gridSpan")
        span.set(qn("w:val"), "100000000")
        tc_pr.append(span)

    path = _docx_with(tmp_path, "span.docx", edit)
    tracemalloc.start()
    try:
        text = (
            __import__("lgo_check.load.docx")
            .load.docx.DocxLoader()
            .load(path, path.read_bytes(), "span.docx", lgo_check.load.Limits().started())
            .text
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "spanning cell" in text and "last cell" in text
    assert text.count("spanning cell") == 1
    assert peak < 100_000_000, f"{peak:,} bytes"


def _zip_with(source: Path, extra: dict[str, bytes], count: int = 0) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in original.infolist():
            archive.writestr(item, original.read(item.filename))
        for name, data in extra.items():
            archive.writestr(name, data)
        for number in range(count):
            archive.writestr(f"extra/part{number}.xml", b"<a/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("extra", "count", "reason"),
    [
        ({"word/bomb.xml": b"<a>" + b" " * 40_000_000 + b"</a>"}, 0, "zip bomb"),
        ({"word/media/bomb.bin": bytes(30_000_000)}, 0, "zip bomb"),
        ({}, 2_100, "over the limit of 2,000"),
    ],
    ids=["xml-bomb", "media-bomb", "too-many-parts"],
)
def test_word_zip_work_is_bounded(
    extra: dict[str, bytes], count: int, reason: str, tmp_path: Path
) -> None:
    plain = _docx_with(tmp_path, "plain.docx", lambda document: None)
    data = _zip_with(plain, extra, count)
    assert len(data) < 1_500_000
    loader = __import__("lgo_check.load.docx").load.docx.DocxLoader()
    with pytest.raises(lgo_check.load.LoadError, match=reason):
        loader.load(tmp_path / "x.docx", data, "x.docx", lgo_check.load.Limits().started())


def test_word_xml_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lgo_check.load.docx as word

    plain = _docx_with(tmp_path, "plain.docx", lambda document: None)
    data = plain.read_bytes()
    monkeypatch.setattr(word, "MAX_XML_BYTES", 1_000)
    with pytest.raises(
        lgo_check.load.LoadError, match=r"XML expands to [\d,]+ bytes, over the limit of 1,000"
    ):
        word.DocxLoader().load(plain, data, "plain.docx", lgo_check.load.Limits().started())
