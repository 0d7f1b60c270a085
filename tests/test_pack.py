"""`lgo-check report`: the committee pack in HTML, Word and Markdown (browser tests are in
test_pack_browser.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import CLEAN_FIGURES, SMALL_SAMPLE_FIGURES, annual_review_letter, line_of

from lgo_check.model import Concern, FileReport, Finding, Letter, Severity, Span
from lgo_check.pack.content import Cover, build_pack
from lgo_check.pack.html import render_html
from lgo_check.pack.markdown import md, render_markdown
from lgo_check.pack.word import render_docx

GLENHALLOW = "examples/glenhallow-cc-2023-24.txt"  # errors, warnings and concerns


class _Outline(HTMLParser):
    """Headings, tables, charts and any script or external reference in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.tables = 0
        self.header_cells = 0
        self.charts = 0
        self.scripts = 0
        self.external: list[str] = []
        self._heading: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []
        self.tables += tag == "table"
        self.header_cells += tag == "th"
        self.charts += tag == "svg" and values.get("role") == "img"
        self.scripts += tag == "script"
        for key in ("src", "href"):
            target = values.get(key) or ""
            if key in values and not target.startswith("#"):
                self.external.append(target)

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, "".join(self._text)))
            self._heading = None


def _outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def _write(folder: Path, name: str, **figures: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(annual_review_letter(**figures), encoding="utf-8")
    return path


def test_html_pack_of_the_examples(
    lgo_cli: Callable[..., Any], lgo_in_repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pack.html"
    result = lgo_cli(
        "report", "--isolated", "examples", "-o", out, "--committee", "Audit Committee"
    )
    assert result.code == 0, result
    page = out.read_text(encoding="utf-8")
    outline = _outline(page)
    # Headings in order: one h1, and no level skipped on the way down.
    assert [level for level, _ in outline.headings].count(1) == 1
    previous = 1
    for level, text in outline.headings[1:]:
        assert level <= previous + 1, (level, text)
        previous = level
    bodies = [text for level, text in outline.headings if level == 2 and "annual review" in text]
    # One section per body: examples/ has earlier years' letters of some bodies.
    names = {p.name.rsplit("-", 2)[0] for p in (lgo_in_repo / "examples").glob("*-20??-??.*")}
    assert len(bodies) == len(names)
    assert "All bodies" in [text for _, text in outline.headings]
    assert outline.scripts == 0 and outline.external == []
    assert outline.charts >= 4 and outline.tables >= 3 * len(bodies)
    assert "Audit Committee" in page
    assert "@page { size: A4" in page and "break-before: page" in page


def test_figures_come_from_the_letter_with_their_place(
    lgo_cli: Callable[..., Any], lgo_in_repo: Path
) -> None:
    """Every figure in the pack is the one lgo-check extracted, with its line."""
    letter = lgo_cli("--isolated", "--format", "json", GLENHALLOW).json()["files"][0]["letter"]
    pack = lgo_cli("report", "--isolated", GLENHALLOW, "--format", "md")
    assert pack.code == 0, pack
    stats = letter["statistics"]
    for block, field in (
        ("upheld", "rate_pct"),
        ("upheld", "peer_average_pct"),
        ("compliance", "rate_pct"),
        ("compliance", "peer_average_pct"),
        ("remedy", "rate_pct"),
    ):
        value = stats[block][field]
        line = stats[block]["spans"][field]["line"]
        assert f" {value}% (line {line}) |" in pack.out, (block, field)
    for concern in letter["concerns"]:
        assert re.search(rf"\*\* \(lines? {concern['line']}\b", pack.out), concern
        assert f"> {md(concern['text'])}" in pack.out


def test_status_follows_the_worst_finding_on_the_figure(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    # Compliance below 100 is an error (red); upheld rate above peers a warning (amber).
    _write(
        lgo_workdir,
        "letter.txt",
        compliance_rate=90,
        outcomes=20,
        upheld_rate=70,
        upheld_count=14,
        upheld_peer=60,
    )
    result = lgo_cli("report", "--isolated", "letter.txt", "--format", "md")
    rows: dict[str, str] = {}
    for line in result.out.splitlines():  # the status table comes first
        rows.setdefault(line.split(" | ")[0].lstrip("| "), line)
    assert "\u2716 Red" in rows["Compliance with recommendations"]
    assert "LGO201" in rows["Compliance with recommendations"]
    assert "\u25b2 Amber" in rows["Complaints upheld (share of investigations)"]
    assert "\u2714 Green" in rows["Upheld decisions per 100,000 residents"]


def test_recommendations_note_the_letter_and_one_per_error_rule(
    lgo_cli: Callable[..., Any], lgo_in_repo: Path
) -> None:
    findings = lgo_cli("--isolated", "--format", "json", GLENHALLOW).json()["files"][0]["findings"]
    error_rules = {f["rule_id"] for f in findings if f["severity"] == "error"}
    pack = lgo_cli("report", "--isolated", GLENHALLOW, "--format", "md").out
    recommendations = pack.split("### Draft recommendations", 1)[1].split("##", 1)[0]
    items = re.findall(r"^\d+\. (.*)$", recommendations, re.M)
    assert items[0].startswith("To note the Local Government and Social Care Ombudsman's")
    assert len(items) == 1 + len(error_rules)
    for code in error_rules:
        assert sum(f"({code}, line " in item for item in items) == 1


def test_each_finding_says_why_it_matters(lgo_cli: Callable[..., Any], lgo_in_repo: Path) -> None:
    pack = lgo_cli("report", "--isolated", GLENHALLOW, "--format", "md").out
    findings = [
        line for line in pack.splitlines() if re.match(r"- \*\*(Error|Warning|Note)\*\*", line)
    ]
    assert findings
    doc = lgo_cli("rule", "--isolated", "LGO302").out
    why = " ".join(doc.split("## Why it matters", 1)[1].split("##", 1)[0].split())
    assert md(why) in pack
    assert pack.count("*Why it matters:*") == len(findings)


def test_caveats_small_numbers_and_case_selection(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    _write(lgo_workdir, "small.txt", **SMALL_SAMPLE_FIGURES)
    pack = lgo_cli("report", "--isolated", "small.txt", "--format", "md").out
    caveats = pack.split("### Caveats", 1)[1].split("###", 1)[0]
    assert f"only {SMALL_SAMPLE_FIGURES['investigations']} investigations" in caveats
    assert "2022-23" in caveats and "not with its own earlier years" in caveats
    assert "Covid" not in caveats
    _write(lgo_workdir / "big", "big.txt")
    pack = lgo_cli("report", "--isolated", "big", "--format", "md").out
    assert "Small numbers" not in pack
    assert CLEAN_FIGURES["investigations"] >= 10


def test_word_pack_has_heading_styles_and_tables(
    lgo_cli: Callable[..., Any], lgo_in_repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pack.docx"
    result = lgo_cli("report", "--isolated", "examples", "-o", out, "--author", "A. Officer")
    assert result.code == 0, result
    document = docx.Document(str(out))
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0][0] == "Title"
    body_titles = [t for s, t in headings if s == "Heading 1" and "annual review letter" in t]
    names = {p.name.rsplit("-", 2)[0] for p in (lgo_in_repo / "examples").glob("*-20??-??.*")}
    assert len(body_titles) == len(names)  # one per body
    subsections = [t for s, t in headings if s == "Heading 2"]
    assert subsections[:7] == [
        "Summary",
        "Statistics against similar bodies",
        "Concerns raised in the letter",
        "Findings and why they matter",
        "Caveats",
        "Trend",
        "Draft recommendations",
    ]
    header_rows = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert ["Statistic", "This body", "Similar bodies' average", "Based on"] in header_rows
    # Header rows are marked as such (they repeat on each page, screen readers announce them).
    assert all(
        t.rows[0]._tr.trPr is not None and "tblHeader" in t.rows[0]._tr.trPr.xml
        for t in document.tables
    )
    assert document.core_properties.author == "A. Officer"
    glenhallow = next(
        t for t in document.tables if any("glenhallow" in c.text for r in t.rows for c in r.cells)
    )
    assert any(re.search(r"\d% \(line \d+\)", c.text) for r in glenhallow.rows for c in r.cells)


def test_format_from_extension_and_errors(
    lgo_cli: Callable[..., Any], lgo_in_repo: Path, tmp_path: Path
) -> None:
    md_out = tmp_path / "pack.md"
    assert lgo_cli("report", "--isolated", GLENHALLOW, "-o", md_out).code == 0
    assert md_out.read_text(encoding="utf-8").startswith("# Local Government")
    bad = lgo_cli("report", "--isolated", GLENHALLOW, "-o", tmp_path / "pack.pdf")
    assert bad.code == 2 and "pack.pdf" in bad.err and "--format" in bad.err
    assert not (tmp_path / "pack.pdf").exists()
    word_to_stdout = lgo_cli("report", "--isolated", GLENHALLOW, "--format", "docx")
    assert word_to_stdout.code == 2 and "-o" in word_to_stdout.err
    forced = tmp_path / "pack.txt"
    assert lgo_cli("report", "--isolated", GLENHALLOW, "-o", forced, "--format", "html").code == 0
    assert forced.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_unreadable_file_is_listed_and_others_still_reported(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    _write(lgo_workdir, "good.txt")
    (lgo_workdir / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    result = lgo_cli("report", "--isolated", ".", "--format", "md")
    assert result.code == 1, result
    assert "## Quillmere District Council: annual review letter 2023-24" in result.out
    left_out = result.out.split("## Files not in this pack", 1)[1]
    assert "broken.pdf" in left_out


def test_cover_from_configuration_and_options(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    _write(lgo_workdir, "letter.txt")
    (lgo_workdir / "pyproject.toml").write_text(
        "[tool.lgo-check.report]\n"
        'committee = "Standards Committee"\n'
        "meeting-date = 2024-10-15\n"
        'author = "Monitoring Officer"\n',
        encoding="utf-8",
    )
    pack = lgo_cli("report", "letter.txt", "--format", "md").out
    assert "**Committee:** Standards Committee" in pack
    assert "**Meeting date:** 15 October 2024" in pack
    assert "**Author:** Monitoring Officer" in pack
    pack = lgo_cli("report", "letter.txt", "--format", "md", "--committee", "Cabinet").out
    assert "**Committee:** Cabinet" in pack and "Standards Committee" not in pack
    (lgo_workdir / "pyproject.toml").write_text(
        '[tool.lgo-check.report]\ncomittee = "x"\n', encoding="utf-8"
    )
    bad = lgo_cli("report", "letter.txt", "--format", "md")
    assert bad.code == 2 and "comittee" in bad.err


def test_figure_line_matches_the_letter(lgo_cli: Callable[..., Any], lgo_workdir: Path) -> None:
    text = annual_review_letter(compliance_rate=93, outcomes=15)
    (lgo_workdir / "letter.txt").write_text(text, encoding="utf-8")
    pack = lgo_cli("report", "--isolated", "letter.txt", "--format", "md").out
    assert "Letter: letter.txt" in pack
    assert f"93% (line {line_of(text, 'In 93% of cases')})" in pack


def _hostile_report() -> FileReport:
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)> | # [link](http://x)'
    span = Span(line=3, column=1, end_line=3, end_column=10)
    letter = Letter(
        organisation=f"Mardle {evil} Council",
        review_year="2023-24",
        concerns=[
            Concern(
                kind="non_compliance",
                text=f"We found {evil}\x07 here.",
                line=span.line,
                span=span,
                sentences=[span],
                found_by="rules",
            )
        ],
    )
    finding = Finding(
        rule_id="LGO304",
        rule="non-compliance-narrative",
        severity=Severity.error,
        message=f"Reported: {evil}",
        line=3,
        column=1,
    )
    return FileReport(path=f"letters/{evil}.txt", format="text", letter=letter, findings=[finding])


def test_text_from_a_letter_is_escaped_in_every_format() -> None:
    pack = build_pack([_hostile_report()], [], Cover(committee="<b>Audit</b>"), "0")
    page = render_html(pack)
    outline = _outline(page)
    assert outline.scripts == 0 and outline.external == []
    assert "<img" not in page and "<b>Audit" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "\x07" not in page
    markdown = render_markdown(pack)
    assert "<script>" not in markdown and "<img" not in markdown
    assert "\\[link\\](http://x)" in markdown and " [link](" not in markdown  # no live link
    assert "\\|" in markdown
    document = docx.Document(__import__("io").BytesIO(render_docx(pack)))
    texts = "\n".join(p.text for p in document.paragraphs)
    assert '<script>alert("x")</script>' in texts  # Word text is text: shown as written
    assert "\x07" not in texts


@pytest.mark.parametrize("fmt", ["html", "md", "docx"])
def test_empty_folder_gives_a_pack_that_says_so(
    fmt: str, lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    (lgo_workdir / "letters").mkdir()
    out = lgo_workdir / f"pack.{fmt}"
    result = lgo_cli("report", "--isolated", "letters", "-o", out)
    assert result.code in (0, 1), result
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    else:
        text = out.read_text(encoding="utf-8")
    assert "No annual review letter was found" in text


#: A complaint overview, as letters from 2024-25 on give it (dealt with = the other three).
OVERVIEW = {"dealt_with": 79, "not_for_us": 33, "assessed_and_closed": 26, "investigated": 20}


def letter_2024_25(**figures: Any) -> str:
    """A fictional 2024-25 letter: the 2023-24 one a year on, with a complaint overview."""
    overview = (
        "Complaint overview\n\n"
        f"{OVERVIEW['dealt_with']} complaints dealt with\n\n"
        f"{OVERVIEW['not_for_us']} not for us\n\n"
        f"{OVERVIEW['assessed_and_closed']} assessed and closed\n\n"
        f"{OVERVIEW['investigated']} investigated\n\n"
    )
    text = _earlier(annual_review_letter(**figures), 2024)
    return text.replace("Complaints upheld\n", overview + "Complaints upheld\n", 1)


def _earlier(text: str, year: int) -> str:
    """The same fictional letter moved back to the review year starting in ``year``."""
    return (
        text.replace("2023-24", f"{year}-{(year + 1) % 100:02d}")
        .replace("31 March 2024", f"31 March {year + 1}")
        .replace("1 April 2023", f"1 April {year}")
        .replace("17 July 2024", f"17 July {year + 1}")
    )


def test_letters_of_one_body_make_one_section_with_a_trend(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    newest = annual_review_letter()
    (lgo_workdir / "b.txt").write_text(newest, encoding="utf-8")
    older = annual_review_letter(upheld_rate=40, upheld_count=8)
    (lgo_workdir / "a.txt").write_text(_earlier(older, 2020), encoding="utf-8")
    (lgo_workdir / "c.txt").write_text(_earlier(newest, 2022), encoding="utf-8")
    pack = lgo_cli("report", "--isolated", ".", "--format", "md").out
    assert pack.count("## Quillmere District Council: annual review letter") == 1
    assert "## Quillmere District Council: annual review letter 2023-24" in pack
    trend = pack.split("### Trend", 1)[1].split("###", 1)[0]
    assert "Letters for 3 years were given: 2020-21, 2022-23, 2023-24." in trend
    years = re.findall(r"^\| (\d{4}-\d\d) \| (\d+)%", trend, re.M)
    assert years == [("2020-21", "40"), ("2022-23", "50"), ("2023-24", "50")]
    caveats = pack.split("### Caveats", 1)[1].split("###", 1)[0]
    assert "Covid-19" in caveats and "2022-23" in caveats


def test_complaint_overview_from_2024_25(lgo_cli: Callable[..., Any], lgo_workdir: Path) -> None:
    (lgo_workdir / "letter.txt").write_text(letter_2024_25(), encoding="utf-8")
    pack = lgo_cli("report", "--isolated", "letter.txt", "--format", "md").out
    assert "annual review letter 2024-25" in pack
    overview = pack.split("| Complaint overview | Count |", 1)[1].split("\n\n", 1)[0]
    for label, value in (
        ("Complaints dealt with", OVERVIEW["dealt_with"]),
        ("Not for the Ombudsman", OVERVIEW["not_for_us"]),
        ("Assessed and closed", OVERVIEW["assessed_and_closed"]),
        ("Investigated", OVERVIEW["investigated"]),
    ):
        assert re.search(rf"\| {label} \| {value} \(line \d+\) \|", overview), label
    page = lgo_cli("report", "--isolated", "letter.txt", "--format", "html").out
    assert (
        f"Complaints dealt with: {OVERVIEW['dealt_with']}" in page
    )  # the chart's text alternative


def test_a_reissued_letter_replaces_the_first_of_its_year(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    first = annual_review_letter(compliance_rate=90, outcomes=20)
    (lgo_workdir / "z-first.txt").write_text(first, encoding="utf-8")
    reissue = annual_review_letter(compliance_rate=95, outcomes=20).replace(
        "17 July 2024", "2 August 2024"
    )
    (lgo_workdir / "a-reissue.txt").write_text(reissue, encoding="utf-8")
    pack = lgo_cli("report", "--isolated", ".", "--format", "md").out
    assert pack.count("## Quillmere District Council: annual review letter 2023-24") == 1
    assert "Letter: a-reissue.txt; dated 2 August 2024." in pack
    assert (
        "z-first.txt is a second letter for 2023-24; the later-dated a-reissue.txt is used." in pack
    )
    trend = pack.split("### Trend", 1)[1].split("###", 1)[0]
    assert len(re.findall(r"^\| 2023-24 \|", trend, re.M)) == 1
    assert "| 95% (line" in trend and "| 90% (line" not in trend


def test_output_inside_the_folder_and_standard_output(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    _write(lgo_workdir, "letter.txt")
    for _ in range(2):  # the second run finds the first run's pack in the folder
        result = lgo_cli("report", "--isolated", ".", "-o", "pack.md")
        assert result.code == 0, result
    pack = (lgo_workdir / "pack.md").read_text(encoding="utf-8")
    assert "pack.md" not in pack and "Files not in this pack" not in pack
    page = lgo_cli("report", "--isolated", "letter.txt")
    assert page.code == 0 and page.out.startswith("<!DOCTYPE html>")
    blocked = lgo_cli("report", "--isolated", "letter.txt", "-o", "no/such/folder/pack.html")
    assert blocked.code == 2 and "cannot write no/such/folder/pack.html" in blocked.err


def test_a_pdf_letter_gives_page_and_line(lgo_cli: Callable[..., Any], lgo_workdir: Path) -> None:
    from documents import letter_to_pdf

    source = (Path(__file__).resolve().parent.parent / GLENHALLOW).read_text(encoding="utf-8")
    letter_to_pdf(source, lgo_workdir / "letter.pdf")
    report = lgo_cli("--isolated", "--format", "json", "letter.pdf").json()["files"][0]
    compliance = report["letter"]["statistics"]["compliance"]
    span = compliance["spans"]["rate_pct"]
    assert span["page"] is not None
    pack = lgo_cli("report", "--isolated", "letter.pdf", "--format", "md").out
    assert f"{compliance['rate_pct']}% (page {span['page']}, line {span['line']})" in pack
    for concern in report["letter"]["concerns"]:
        assert f"(page {concern['span']['page']}, line" in pack


def test_renamed_body_is_one_section_through_the_configured_aliases(
    lgo_cli: Callable[..., Any], lgo_workdir: Path
) -> None:
    older = annual_review_letter(body="Quillmere Borough Council", upheld_rate=40, upheld_count=8)
    (lgo_workdir / "old.txt").write_text(_earlier(older, 2022), encoding="utf-8")
    _write(lgo_workdir, "new.txt")  # Quillmere District Council, 2023-24
    (lgo_workdir / "lgo-check.toml").write_text(
        '[bodies.aliases]\n"Quillmere Borough Council" = "Quillmere District Council"\n',
        encoding="utf-8",
    )
    sections = re.compile(r"^## .*: annual review letter", re.M)
    pack = lgo_cli("report", ".", "--format", "md").out
    assert len(sections.findall(pack)) == 1, pack
    trend = pack.split("### Trend", 1)[1].split("###", 1)[0]
    assert re.findall(r"^\| (\d{4}-\d\d) \| (\d+)%", trend, re.M) == [
        ("2022-23", "40"),
        ("2023-24", "50"),
    ]
    # Without the alias they are two bodies.
    (lgo_workdir / "lgo-check.toml").unlink()
    assert len(sections.findall(lgo_cli("report", ".", "--format", "md").out)) == 2
