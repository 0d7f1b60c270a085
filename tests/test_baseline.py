"""Acknowledged findings: fingerprints, the baseline file, matching and stale entries.

The end-to-end behaviour from the command line (a git repository of letters, a
new concern, a deleted letter) is in tests/test_integrations.py.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import EXAMPLES, REPO, annual_review_letter
from documents import letter_to_docx, letter_to_pdf
from hypothesis import given
from hypothesis import strategies as st

from lgo_check import baseline
from lgo_check.baseline import Baseline, BaselineError, Entry
from lgo_check.model import FileReport, Finding, Letter, Severity

ASHCOMBE = Letter(organisation="Ashcombe District Council", review_year="2023-24")


def _finding(
    rule_id: str = "LGO201",
    snippet: str | None = "In 96% of cases we were satisfied",
    line: int = 10,
    column: int = 4,
    end_column: int = 7,
    message: str = "Compliance was 96%.",
    end_line: int | None = None,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        rule="compliance-below-100",
        severity=Severity.error,
        message=message,
        line=line,
        column=column,
        end_line=end_line or line,
        end_column=end_column,
        snippet=snippet,
    )


def _file(
    *findings: Finding, path: str = "letters/ashcombe.txt", letter: Letter = ASHCOMBE
) -> FileReport:
    return FileReport(path=path, letter=letter, findings=list(findings))


# --- fingerprints -----------------------------------------------------------------


def test_normalise_text_folds_what_re_extraction_changes() -> None:
    assert baseline.normalise_text("  The  \u201cCouncil\u2019s\u201d\n replies \u2013 late ") == (
        'the "council\'s" replies - late'
    )
    assert (
        baseline.normalise_text("\ufb01nal re\u00adport") == "final report"
    )  # ligature, soft hyphen


def test_evidence_is_the_region_not_the_line() -> None:
    assert baseline.evidence_text(_finding()) == "96%"
    sentence = _finding(
        snippet="Intro. The Council was late\nin answering us. Next sentence.",
        column=8,
        end_line=11,
        end_column=17,
    )
    assert baseline.evidence_text(sentence) == "The Council was late\nin answering us."
    assert baseline.evidence_text(_finding(snippet=None)) is None


def test_fingerprint_survives_moves_rewrapping_and_typography() -> None:
    one_line = _file(
        _finding(snippet="x The Council\u2019s replies were late. y", column=3, end_column=35)
    )
    rewrapped = _file(
        _finding(
            snippet="The Council's replies\n   were LATE. more",
            line=40,
            column=1,
            end_line=41,
            end_column=14,
        )
    )
    [a], [b] = one_line.findings, rewrapped.findings
    assert baseline.evidence_text(a) == "The Council\u2019s replies were late."
    assert baseline.finding_fingerprint(a, one_line) == baseline.finding_fingerprint(b, rewrapped)
    renamed = rewrapped.model_copy(update={"path": "archive/2024/ashcombe.pdf"})
    assert baseline.finding_fingerprint(b, renamed) == baseline.finding_fingerprint(a, one_line)


@pytest.mark.parametrize(
    "change",
    [
        {"rule_id": "LGO202"},
        {"snippet": "In 95% of cases we were satisfied"},
    ],
)
def test_fingerprint_changes_with_rule_and_evidence(change: dict[str, str]) -> None:
    file = _file(_finding())
    other = _file(_finding(**change))  # type: ignore[arg-type]
    assert baseline.finding_fingerprint(file.findings[0], file) != baseline.finding_fingerprint(
        other.findings[0], other
    )


@pytest.mark.parametrize(
    "letter",
    [
        Letter(organisation="Brindlecote Borough Council", review_year="2023-24"),
        Letter(organisation="Ashcombe District Council", review_year="2022-23"),
    ],
)
def test_fingerprint_changes_with_body_and_year(letter: Letter) -> None:
    a, b = _file(_finding()), _file(_finding(), letter=letter)
    assert baseline.finding_fingerprint(a.findings[0], a) != baseline.finding_fingerprint(
        b.findings[0], b
    )


def test_absent_things_have_a_fingerprint_from_their_message_not_line_one() -> None:
    absent = _finding(
        snippet=None, line=1, column=1, end_column=1, message="No statistics were found."
    )
    file = _file(absent)
    elsewhere = _file(absent.model_copy(update={"line": 3}))
    assert baseline.finding_fingerprint(absent, file) == baseline.finding_fingerprint(
        elsewhere.findings[0], elsewhere
    )
    other = _file(
        absent.model_copy(update={"message": "The remedy statistics could not be found."})
    )
    assert baseline.finding_fingerprint(other.findings[0], other) != baseline.finding_fingerprint(
        absent, file
    )


# --- the file ---------------------------------------------------------------------


def _write(
    tmp_path: Path, files: list[FileReport], reasons: dict[str, list[str]] | None = None
) -> Path:
    path = tmp_path / "lgo-baseline.toml"
    path.write_text(baseline.render(baseline.entries_for(files, tmp_path, reasons)), "utf-8")
    return path


def test_written_file_reads_back_with_every_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, [_file(_finding(), _finding(rule_id="LGO202"))])
    text = path.read_text("utf-8")
    assert text.startswith("# lgo-check baseline")
    data = tomllib.loads(text)
    assert data["version"] == 1
    first = data["acknowledged"][0]
    assert first == {
        "rule": "LGO201",
        "name": "compliance-below-100",
        "body": "Ashcombe District Council",
        "year": "2023-24",
        "file": "letters/ashcombe.txt",
        "message": "Compliance was 96%.",
        "fingerprint": baseline.finding_fingerprint(_finding(), _file(_finding())),
        "reason": "",
    }
    loaded = baseline.load(path)
    assert [e.rule for e in loaded.entries] == ["LGO201", "LGO202"]
    assert loaded.lines == [
        n for n, line in enumerate(text.splitlines(), 1) if line == "[[acknowledged]]"
    ]


@given(st.text(max_size=40))
def test_any_text_round_trips_through_the_file(text: str) -> None:
    digest = "0" * 32
    rendered = baseline.render(
        [Entry(rule="LGO201", body=text, message=text, fingerprint=digest, reason=text)]
    )
    entry = tomllib.loads(rendered)["acknowledged"][0]
    assert entry["body"] == entry["message"] == entry["reason"] == text


def test_files_not_checked_are_never_acknowledged(tmp_path: Path) -> None:
    unreadable = FileReport(
        path="scan.pdf",
        checked=False,
        error="no text layer",
        findings=[_finding(rule_id="LGO001", snippet=None)],
    )
    assert baseline.entries_for([unreadable], tmp_path) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("version = 1\n[[acknowledged]]\nrule = 'LGO201'\n", "fingerprint"),
        ("version = 1\n[[acknowledged]]\nrule = 'LGO201'\nfingerprint = 'xyz'\n", "fingerprint"),
        ("version = 2\n", "version"),
        (
            "version = 1\n[[acknowledged]]\nrule = 'LGO201'\nfingerprint = '"
            + "a" * 32
            + "'\nreasn = ''\n",
            "reason",
        ),
        ("version = [1\n", "not valid TOML"),
        (b"\xff\xfe".decode("latin-1"), "UTF-8"),
    ],
)
def test_bad_files_are_errors_naming_the_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "b.toml"
    path.write_bytes(content.encode("latin-1") if "\xff" in content else content.encode("utf-8"))
    with pytest.raises(BaselineError) as caught:
        baseline.load(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_non_regular_and_oversized_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(BaselineError, match="not a regular file"):
        baseline.load(fifo)
    big = tmp_path / "big.toml"
    big.write_text("version = 1\n" + "# padding\n" * 200, "utf-8")
    with pytest.raises(BaselineError, match="over the limit"):
        baseline.load(big, max_bytes=1000)
    with pytest.raises(BaselineError, match="no such file"):
        baseline.load(tmp_path / "missing.toml")


# --- matching and stale entries ---------------------------------------------------


def _baseline(
    tmp_path: Path, files: list[FileReport], reasons: dict[str, list[str]] | None = None
) -> Baseline:
    return baseline.load(_write(tmp_path, files, reasons))


def test_matching_findings_move_to_acknowledged_with_their_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    old = _file(_finding())
    digest = baseline.finding_fingerprint(old.findings[0], old)
    known = _baseline(
        tmp_path, [old], {digest: ["noted by Audit Committee, 24 Oct 2024, minute 12"]}
    )
    new_concern = _finding(
        rule_id="LGO304", snippet="The Council failed to comply.", column=1, end_column=30
    )
    result = known.apply(_file(_finding(line=77), new_concern))
    assert [f.rule_id for f in result.findings] == ["LGO304"]
    assert [(a.rule_id, a.line, a.reason) for a in result.acknowledged] == [
        ("LGO201", 77, "noted by Audit Committee, 24 Oct 2024, minute 12")
    ]
    assert known.stale(["LGO201", "LGO304"], [tmp_path]) == []


def test_each_entry_acknowledges_one_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    known = _baseline(tmp_path, [_file(_finding())])
    result = known.apply(_file(_finding(line=5), _finding(line=9)))
    assert len(result.acknowledged) == 1
    assert [f.line for f in result.findings] == [9]


def test_stale_only_where_the_run_could_have_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "letters").mkdir()
    brindlecote = Letter(organisation="Brindlecote Borough Council", review_year="2023-24")
    known = _baseline(
        tmp_path,
        [_file(_finding()), _file(_finding(), path="letters/brindlecote.txt", letter=brindlecote)],
    )
    # Ashcombe's letter is checked again, now without the finding: its entry is stale.
    known.apply(_file())
    ashcombe_only = [tmp_path / "letters" / "ashcombe.txt"]
    [stale] = known.stale(["LGO201"], ashcombe_only)
    assert stale.entry.body == "Ashcombe District Council"
    assert stale.line == known.lines[0]
    # The rule did not run: nothing can be said of its entries.
    assert known.stale(["LGO202"], ashcombe_only) == []
    # Brindlecote's file was not in the run, but lies under the folder the run checked:
    # the letter is gone, so its entry is stale too.
    assert {s.entry.body for s in known.stale(["LGO201"], [tmp_path / "letters"])} == {
        "Ashcombe District Council",
        "Brindlecote Borough Council",
    }


def test_stale_findings_point_at_the_entry() -> None:
    entry = Entry(
        rule="LGO201",
        name="compliance-below-100",
        body="Ashcombe District Council",
        year="2023-24",
        fingerprint="a" * 32,
    )
    [finding] = baseline.stale_findings([baseline.StaleEntry(entry, 14)], Severity.warning)
    assert (finding.rule_id, finding.rule, finding.line, finding.severity) == (
        "LGO009",
        "stale-baseline-entry",
        14,
        Severity.warning,
    )
    assert "LGO201 compliance-below-100 (Ashcombe District Council, 2023-24)" in finding.message


# --- from the command line --------------------------------------------------------

GLENHALLOW = "glenhallow-cc-2023-24.txt"  # five findings, two of them on one sentence
REASON = "noted by Audit Committee, 24 Oct 2024, minute 12"


@pytest.fixture
def letters(lgo_workdir: Path) -> Path:
    """The example letters in letters/ of an empty working folder."""
    folder = lgo_workdir / "letters"
    folder.mkdir()
    for name in (GLENHALLOW, "larkhythe-mbc-2023-24.md", "eastfold-cca-2023-24.txt"):
        shutil.copy(EXAMPLES / name, folder / name)
    return lgo_workdir


def _entries(path: Path) -> list[dict[str, Any]]:
    return list(tomllib.loads(path.read_text("utf-8"))["acknowledged"])


def test_cli_write_then_check_is_clean(lgo_cli: Any, letters: Path) -> None:
    written = lgo_cli("--isolated", "--write-baseline", "b.toml", "letters")
    assert written.code == 0, written
    assert written.out == ""
    assert "wrote 6 acknowledged findings to b.toml" in written.err
    entries = _entries(letters / "b.toml")
    assert [e["file"] for e in entries] == [f"letters/{GLENHALLOW}"] * 5 + [
        "letters/larkhythe-mbc-2023-24.md"
    ]
    assert {e["reason"] for e in entries} == {""}
    checked = lgo_cli("--isolated", "--baseline", "b.toml", "letters")
    assert checked.code == 0, checked
    assert checked.out == "No findings in 3 files. 6 acknowledged.\n"
    as_json = lgo_cli("--isolated", "--baseline", "b.toml", "--format", "json", "letters").json()
    assert as_json["summary"]["acknowledged"] == 6
    assert as_json["summary"]["findings"] == 0
    assert sum(len(f["acknowledged"]) for f in as_json["files"]) == 6


def test_cli_reasons_show_and_survive_rewriting(lgo_cli: Any, letters: Path) -> None:
    assert lgo_cli("--isolated", "--write-baseline", "b.toml", "letters").code == 0
    text = (letters / "b.toml").read_text("utf-8")
    (letters / "b.toml").write_text(text.replace('reason = ""', f'reason = "{REASON}"', 1), "utf-8")
    shown = lgo_cli("--isolated", "--baseline", "b.toml", "--show-acknowledged", "letters")
    assert shown.code == 0
    lines = [line for line in shown.out.splitlines() if "(acknowledged: " in line]
    assert len(lines) == 6
    assert lines[0].endswith(f"[delayed-enquiry-responses] (acknowledged: {REASON})")
    assert lines[1].endswith("(acknowledged: no reason given)")
    rewritten = lgo_cli(
        "--isolated", "--baseline", "b.toml", "--write-baseline", "b.toml", "letters"
    )
    assert rewritten.code == 0
    assert [e["reason"] for e in _entries(letters / "b.toml")] == [REASON] + [""] * 5


def test_cli_sarif_marks_acknowledged_results_as_suppressed(lgo_cli: Any, letters: Path) -> None:
    assert lgo_cli("--isolated", "--write-baseline", "b.toml", "letters").code == 0
    text = (letters / "b.toml").read_text("utf-8")
    (letters / "b.toml").write_text(text.replace('reason = ""', f'reason = "{REASON}"', 1), "utf-8")
    (letters / "letters" / "eastfold-cca-2023-24.txt").write_text(
        annual_review_letter(body="Ravelstone District Council", compliance_rate=90), "utf-8"
    )
    result = lgo_cli("--isolated", "--baseline", "b.toml", "--format", "sarif", "letters")
    assert result.code == 1
    document = result.json()
    schema = json.loads((REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(document)) == []
    results = document["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 6
    assert suppressed[0]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": REASON}
    ]
    assert suppressed[1]["suppressions"] == [{"kind": "external", "status": "accepted"}]
    new = [r for r in results if "suppressions" not in r]
    assert {r["ruleId"] for r in new} == {"LGO201", "LGO202"}
    assert new[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "eastfold-cca-2023-24.txt"
    )


def test_cli_pdf_and_word_exports_of_a_letter_stay_acknowledged(
    lgo_cli: Any, letters: Path
) -> None:
    assert lgo_cli("--isolated", "--write-baseline", "b.toml", f"letters/{GLENHALLOW}").code == 0
    text = (EXAMPLES / GLENHALLOW).read_text("utf-8")
    for make, name in ((letter_to_pdf, "glenhallow.pdf"), (letter_to_docx, "glenhallow.docx")):
        (letters / "exports").mkdir(exist_ok=True)
        make(text, letters / "exports" / name)
        result = lgo_cli("--isolated", "--baseline", "b.toml", f"exports/{name}")
        assert result.code == 0, result
        assert result.out == "No findings in 1 file. 5 acknowledged.\n", name


def test_cli_stale_only_for_what_the_run_could_match(lgo_cli: Any, letters: Path) -> None:
    assert lgo_cli("--isolated", "--write-baseline", "b.toml", "letters").code == 0
    (letters / "letters" / GLENHALLOW).unlink()
    # Another letter on its own: Glenhallow's entries are not in question.
    alone = lgo_cli("--isolated", "--baseline", "b.toml", "letters/larkhythe-mbc-2023-24.md")
    assert alone.out == "No findings in 1 file. 1 acknowledged.\n"
    # The folder that held it: they are stale, each pointing at its entry.
    whole = lgo_cli("--isolated", "--baseline", "b.toml", "--format", "json", "letters")
    assert whole.code == 0  # stale-baseline-entry is a warning
    # Known only at the end of the run: with the other findings of the whole run.
    [stale_file] = [f for f in whole.json()["body_findings"] if f["path"] == "b.toml"]
    headers = [
        n
        for n, line in enumerate((letters / "b.toml").read_text("utf-8").splitlines(), 1)
        if line == "[[acknowledged]]"
    ]
    assert [(f["rule_id"], f["line"]) for f in stale_file["findings"]] == [
        ("LGO009", line) for line in headers[:5]
    ]
    assert (
        "LGO201 compliance-below-100 (Glenhallow County Council, 2023-24)"
        in stale_file["findings"][3]["message"]
    )
    ignored = lgo_cli(
        "--isolated", "--baseline", "b.toml", "--ignore", "stale-baseline-entry", "letters"
    )
    assert ignored.out == "No findings in 2 files. 1 acknowledged.\n"
    # Its entries' rules did not run: nothing can be said of them either.
    only_lgo2 = lgo_cli("--isolated", "--baseline", "b.toml", "--select", "LGO2,LGO009", "letters")
    assert only_lgo2.out.count("LGO009") == 2  # LGO201 and LGO202, not the prose rules
    # The baseline file is named after the count, not counted as one of the letters.
    assert only_lgo2.out.endswith(
        "Found 2 findings (2 warnings) in 0 of 2 files and b.toml. 1 acknowledged.\n"
    )
    counts = lgo_cli(
        "--isolated", "--baseline", "b.toml", "--select", "LGO2,LGO009", "--statistics", "letters"
    )
    assert counts.out.endswith(
        "Found 2 findings (2 warnings) in 0 of 2 files and b.toml. 1 acknowledged.\n"
    )


def test_cli_baseline_from_configuration_relative_to_it(lgo_cli: Any, letters: Path) -> None:
    (letters / "ci").mkdir()
    assert lgo_cli("--isolated", "--write-baseline", "ci/b.toml", "letters").code == 0
    (letters / "lgo-check.toml").write_text('baseline = "ci/b.toml"\n', "utf-8")
    (letters / "letters" / "sub").mkdir()
    result = lgo_cli("letters")
    assert result.out == "No findings in 3 files. 6 acknowledged.\n", result


@pytest.mark.parametrize(
    ("content", "reason"),
    [("version = 1\n[[acknowledged]]\nrule = 'LGO201'\n", "fingerprint"), (None, "no such file")],
)
def test_cli_bad_baseline_is_a_configuration_error(
    lgo_cli: Any, letters: Path, content: str | None, reason: str
) -> None:
    if content is not None:
        (letters / "b.toml").write_text(content, "utf-8")
    result = lgo_cli("--isolated", "--baseline", "b.toml", "letters")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("lgo-check: configuration error: --baseline: b.toml")
    assert reason in result.err
    assert "Traceback" not in result.err


def test_cli_write_baseline_never_overwrites_a_letter(lgo_cli: Any, letters: Path) -> None:
    target = letters / "letters" / GLENHALLOW
    before = target.read_bytes()
    result = lgo_cli("--isolated", "--write-baseline", f"letters/{GLENHALLOW}", "letters")
    assert result.code == 2
    assert "refusing to write" in result.err
    assert target.read_bytes() == before


def test_cli_a_baseline_among_the_letters_is_not_read_as_one(lgo_cli: Any, letters: Path) -> None:
    target = "letters/acknowledged.txt"
    assert lgo_cli("--isolated", "--write-baseline", target, "letters").code == 0
    again = lgo_cli("--isolated", "--baseline", target, "--write-baseline", target, "letters")
    assert again.code == 0, again
    assert len(_entries(letters / target)) == 6
    checked = lgo_cli("--isolated", "--baseline", target, "letters")
    assert checked.out == "No findings in 3 files. 6 acknowledged.\n", checked
