"""Every fixture letter, end to end through the CLI, against its hand-written ground truth.

tests/letters/ and examples/ each hold fictional letters and an expected.json in
the same format as the seeds' ground truth: metadata, every statistics field,
concern kinds, findings that must fire (at a line) and rules that must not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lgo_check.cli import main
from lgo_check.model import FIGURE_FIELDS

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = [ROOT / "tests" / "letters", ROOT / "examples"]
#: The blocks every letter's expected.json states (the overview only from 2024-25).
BLOCK_FIELDS = {
    block: ("status", *FIGURE_FIELDS[block]) for block in ("upheld", "compliance", "remedy")
}


def _cases() -> list[Any]:
    cases = []
    for folder in FOLDERS:
        truth = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        for entry in truth["letters"]:
            cases.append(pytest.param(folder, entry, id=f"{folder.name}/{entry['file']}"))
    return cases


_REPORTS: dict[Path, dict[str, Any]] = {}


def _report(folder: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """One CLI run per folder, shared by its letters' tests."""
    if folder not in _REPORTS:
        code = main(["--isolated", "--format", "json", str(folder)])
        out = capsys.readouterr().out
        assert code in (0, 1), out
        document = json.loads(out)
        _REPORTS[folder] = {Path(f["path"]).name: f for f in document["files"]}
        # Findings over a body's years come after every file; they belong to their letters.
        for late in document.get("body_findings", []):
            _REPORTS[folder][Path(late["path"]).name]["findings"].extend(late["findings"])
    return _REPORTS[folder]


@pytest.mark.parametrize(("folder", "expected"), _cases())
def test_letter_matches_ground_truth(
    folder: Path, expected: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    file = _report(folder, capsys)[expected["file"]]
    letter = file["letter"]
    mismatches = []

    def compare(label: str, got: Any, want: Any) -> None:
        if got != want:
            mismatches.append(f"{label}: got {got!r}, expected {want!r}")

    for key in ("organisation", "letter_date", "review_year"):
        compare(key, letter[key], expected[key])
    for key in ("name", "title"):
        compare(f"recipient.{key}", letter["recipient"][key], expected["recipient"][key])
    if expected.get("period"):
        compare("period", letter["period"], expected["period"])
    for block, fields in BLOCK_FIELDS.items():
        for field in fields:
            want = expected["statistics"][block].get(field)
            if field in expected["statistics"][block]:
                compare(f"{block}.{field}", letter["statistics"][block][field], want)
    compare(
        "concern kinds",
        sorted({c["kind"] for c in letter["concerns"]}),
        sorted({c["kind"] for c in expected["concerns"]}),
    )
    fired = [(f["rule"], f["line"]) for f in file["findings"]]
    for want in expected["expected_findings"]:
        lines = [line for rule, line in fired if rule == want["rule"]]
        if not lines or (want["line"] is not None and want["line"] not in lines):
            mismatches.append(
                f"{want['rule']} should fire at line {want['line']}, fired at {lines}"
            )
    for rule in expected["must_not_fire"]:
        lines = [line for r, line in fired if r == rule]
        if lines:
            mismatches.append(f"{rule} must not fire, fired at {lines}")
    assert not mismatches, "\n".join(mismatches)


def test_every_value_span_points_at_its_figure(capsys: pytest.CaptureFixture[str]) -> None:
    """A figure's span, read back from the original file, contains that figure."""
    checked = 0
    for folder in FOLDERS:
        for name, file in _report(folder, capsys).items():
            if not file["letter"]:
                continue
            raw = (folder / name).read_bytes().decode("utf-8-sig", errors="replace")
            lines = raw.replace("\r\n", "\n").split("\n")
            for block in file["letter"]["statistics"].values():
                if not block:
                    continue
                for field, span in block["spans"].items():
                    value = block.get(field)
                    if (
                        not isinstance(value, int | float)
                        or span["line"] != span["end_line"]
                        or span == block["spans"].get("status")  # "no investigations" -> 0
                    ):
                        continue
                    text = lines[span["line"] - 1][span["column"] - 1 : span["end_column"] - 1]
                    assert float(text.replace(",", "")) == value, (name, field, span, text)
                    checked += 1
    assert checked > 100
