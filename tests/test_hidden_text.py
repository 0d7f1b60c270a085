"""Hidden text: never read as the letter's, always reported (hidden-text, LGO004).

Every letter here is for a fictional body. A hidden copy of the compliance
sentence states another rate; the rate read must be the visible one, the exit
status must follow it, and a hidden-text finding must say where and how.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, annual_review_letter, line_of

from lgo_check.load import LoadError
from lgo_check.load.hidden import MAX_LISTED, MAX_SELECTORS, find_hidden

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "hidden"
VISIBLE = "In 80% of cases we were satisfied the organisation had successfully implemented our recommendations."
DECOY = "In 100% of cases we were satisfied the organisation had successfully implemented our recommendations."


def html_letter(text: str, style: str = "") -> str:
    """A letter as a whole HTML page, a <p> per line."""
    body = "\n".join(f"<p>{line}</p>" if line.strip() else "" for line in text.split("\n"))
    return (
        f"<!DOCTYPE html>\n<html><head><title>Annual review</title>{style}</head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def with_decoy(wrapper: str, style: str = "", visible: str = VISIBLE, decoy: str = DECOY) -> str:
    """A letter whose visible compliance sentence follows a hidden copy of another value."""
    rate = re.search(r"\d+", visible)
    assert rate is not None
    page = html_letter(annual_review_letter(compliance_rate=int(rate.group())), style)
    assert f"<p>{visible}</p>" in page
    return page.replace(f"<p>{visible}</p>", wrapper.format(decoy) + f"\n<p>{visible}</p>")


def hidden_findings(result: CliResult, path: str) -> list[dict[str, Any]]:
    [report] = [f for f in result.json()["files"] if f["path"] == path]
    return [f for f in report["findings"] if f["rule"] == "hidden-text"]


def the_file(result: CliResult, path: str) -> dict[str, Any]:
    [report] = [f for f in result.json()["files"] if f["path"] == path]
    return report  # type: ignore[no-any-return]


# Each way of hiding: the <style> block, the element around the decoy, and what the
# finding must say about how it was hidden.
HIDERS: dict[str, tuple[str, str, str]] = {
    "style-attribute": (
        "",
        '<div style="display: none">{}</div>',
        "`display: none` (style attribute)",
    ),
    "descendant-rule": (
        "<style>div.aside p { display: none }</style>",
        '<div class="aside"><p>{}</p></div>',
        "`display: none` (the <style> rule `div.aside p`)",
    ),
    "child-important-case": (
        # !important in a rule beats the style attribute; property and value in any case.
        "<style>SECTION > .Note { DISPLAY: NONE !IMPORTANT }</style>",
        '<section><p class="Note" style="display: block">{}</p></section>',
        "`display: none` (the <style> rule `SECTION > .Note`)",
    ),
    "attribute-selector": (
        '<style>p[data-state="draft"] { visibility: hidden }</style>',
        '<p data-state="draft">{}</p>',
        '`visibility: hidden` (the <style> rule `p[data-state="draft"]`)',
    ),
    "id-with-comment": (
        "<style>/* drafts */ #d1 { font-size: 0 }</style>",
        '<p id="d1">{}</p>',
        "a zero font size (the <style> rule `#d1`)",
    ),
    "font-shorthand": (
        "<style>.tiny { font: 0/0 a }</style>",
        '<p class="tiny">{}</p>',
        "a zero font size (the <style> rule `.tiny`)",
    ),
    "white-on-white": (
        "<style>.pale { color: #FFFFFF }</style>",
        '<p class="pale">{}</p>',
        "`color` the same as its background (the <style> rule `.pale`)",
    ),
    "transparent": ("", '<p style="color: transparent">{}</p>', "`color: transparent`"),
    "font-color": (
        "",
        '<p><font color="FFFFFF">{}</font></p>',
        "`color` the same as its background (the <font color> attribute)",
    ),
    "opacity": ("", '<p style="opacity:0">{}</p>', "`opacity: 0` (style attribute)"),
    "hidden-attribute": ("", "<p hidden>{}</p>", "the `hidden` attribute"),
    "template": ("", "<template><p>{}</p></template>", "a <template>"),
    "visibility-inherited": (
        "",
        '<div style="visibility:hidden"><p><b>{}</b></p></div>',
        "`visibility: hidden` (style attribute)",
    ),
}


@pytest.mark.parametrize("hider", sorted(HIDERS))
def test_hidden_figure_is_not_read_and_is_reported(
    hider: str, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    style, wrapper, how = HIDERS[hider]
    page = with_decoy(wrapper, style)
    Path("quillmere.html").write_text(page, "utf-8")
    result = lgo_cli("--format", "json", "quillmere.html")
    report = the_file(result, "quillmere.html")
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] == 80
    assert "100% of cases" not in json.dumps(report["letter"])
    assert "compliance-below-100" in {f["rule"] for f in report["findings"]}
    assert result.code == 1  # the visible 80% is an error, whatever the hidden copy says
    [finding] = hidden_findings(result, "quillmere.html")
    assert finding["severity"] == "warning" and finding["rule_id"] == "LGO004"
    assert how in finding["message"]
    assert "In 100% of cases we were satisfied" in finding["message"]
    assert finding["line"] == line_of(page, DECOY)
    assert page.splitlines()[finding["line"] - 1][finding["column"] - 1 :].startswith("In 100%")


def test_hidden_lower_figure_does_not_fail_the_run(
    lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    """The other way round: a hidden 61% never makes a visible 100% fail."""
    visible = VISIBLE.replace("80%", "100%")
    page = with_decoy(
        '<div class="x"><span>{}</span></div>',
        "<style>.x > span { display:none }</style>",
        visible=visible,
        decoy=VISIBLE.replace("80%", "61%"),
    )
    Path("quillmere.html").write_text(page, "utf-8")
    result = lgo_cli("--format", "json", "quillmere.html")
    report = the_file(result, "quillmere.html")
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] == 100
    rules = {f["rule"] for f in report["findings"]}
    assert "compliance-below-100" not in rules and "statistics-missing" not in rules
    assert result.code == 0  # hidden-text is a warning; --fail-on error by default
    assert len(hidden_findings(result, "quillmere.html")) == 1
    text = lgo_cli("quillmere.html")
    assert "LGO004" in text.out and "61%" in text.out


def test_committed_fixture_letter(lgo_in_repo: Path, lgo_cli: Callable[..., CliResult]) -> None:
    """tests/hidden/ashcombe-vale-dc-2023-24.html hides four figures in four ways."""
    path = "tests/hidden/ashcombe-vale-dc-2023-24.html"
    result = lgo_cli("--format", "json", path)
    report = the_file(result, path)
    statistics = report["letter"]["statistics"]
    assert statistics["compliance"]["rate_pct"] == 75
    assert statistics["upheld"]["rate_pct"] == 70
    assert statistics["remedy"]["rate_pct"] == 7
    assert report["letter"]["organisation"] == "Ashcombe Vale District Council"
    assert result.code == 1
    found = hidden_findings(result, path)
    source = (lgo_in_repo / path).read_text("utf-8")
    hows = sorted(
        f["message"].split(" is left out")[0] for f in found if "Text hidden" in f["message"]
    )
    assert len(hows) == 4, hows
    for finding in found:
        if "Text hidden" in finding["message"]:
            line = source.splitlines()[finding["line"] - 1]
            excerpt = finding["message"].split(': "', 1)[1][:12]
            assert excerpt in line, (excerpt, line)
    assert any("stylesheet `ashcombe.css` is not read" in f["message"] for f in found)


# --- what is not hidden ---------------------------------------------------------------

KEPT = {
    # A rule for a state the page is not in at rest.
    "hover": ("<style>.menu:hover p { display:none }</style>", '<div class="menu"><p>{}</p></div>'),
    "print-only": ("<style>@media print { .x { display: none } }</style>", '<p class="x">{}</p>'),
    "print-style-block": (
        '<style media="print">.x { display: none }</style>',
        '<p class="x">{}</p>',
    ),
    "hidden-overridden": ("<style>[hidden] { display: block }</style>", "<p hidden>{}</p>"),
    "later-rule-wins": (
        "<style>.a { display: none } p.a { display: block }</style>",
        '<p class="a">{}</p>',
    ),
    "visible-child": (
        "",
        '<div style="visibility: hidden"><p style="visibility: visible">{}</p></div>',
    ),
    "white-on-dark": (
        "<style>.band { background: #1d3557 } .band p { color: white }</style>",
        '<div class="band"><p>{}</p></div>',
    ),
    "sized-child": (
        "<style>.z { font-size: 0 } .z b { font-size: 12px }</style>",
        '<p class="z"><b>{}</b></p>',
    ),
    "aria-hidden": ("", '<p aria-hidden="true">{}</p>'),
    "font-color-on-bgcolor": ("", '<div bgcolor="#000080"><font color="white">{}</font></div>'),
    "font-color-overridden": (
        "<style>font { color: black }</style>",
        '<font color="#fff">{}</font>',
    ),
    "class-case": ("<style>.note { display: none }</style>", '<p class="Note">{}</p>'),
    "pseudo-element": ("<style>p::before { display: none }</style>", "<p>{}</p>"),
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_what_a_browser_shows_is_kept(case: str) -> None:
    style, wrapper = KEPT[case]
    page = html_letter("Shown text 42.", style).replace(
        "<p>Shown text 42.</p>", wrapper.format("Shown text 42.")
    )
    result = find_hidden(page)
    assert "Shown text 42." in result.text
    assert [p for p in result.passages if p.decided and "Shown" in p.excerpt] == []


def test_blanking_keeps_lines_and_columns() -> None:
    page = '<p>one</p>\n<div style="display:none">two\nthree</div>\n<p>four</p>'
    result = find_hidden(page)
    assert len(result.text) == len(page)
    assert result.text.splitlines()[3] == "<p>four</p>"
    assert "two" not in result.text and "three" not in result.text
    assert result.text.count("\n") == page.count("\n")


def test_plain_text_is_not_parsed() -> None:
    text = "A letter with no markup at all, 42% and all."
    assert find_hidden(text).text is text


# --- what cannot be decided is said, never guessed -------------------------------------

UNDECIDED = {
    "linked-stylesheet": (
        '<link rel="stylesheet" href="site.css">',
        "stylesheet `site.css` is not read",
    ),
    "import": ("<style>@import url(print.css);</style>", "@import"),
    "media-query": (
        "<style>@media (max-width: 600px) { .m { display: none } }</style>",
        "@media (max-width: 600px)",
    ),
    "supports": ("<style>@supports (display: grid) { .m { display: none } }</style>", "@supports"),
}


@pytest.mark.parametrize("case", sorted(UNDECIDED))
def test_undecidable_hiding_is_reported_and_text_kept(
    case: str, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    style, says = UNDECIDED[case]
    page = with_decoy('<p class="m">{}</p>', style, visible=VISIBLE, decoy=VISIBLE)
    Path("quillmere.html").write_text(page, "utf-8")
    result = lgo_cli("--format", "json", "quillmere.html")
    [finding] = hidden_findings(result, "quillmere.html")
    assert finding["message"].startswith("lgo-check cannot tell whether text is hidden")
    assert says in finding["message"]
    assert finding["line"] == line_of(page, style.split(">")[0])
    # Nothing was guessed away: the text is read as it stands.
    assert (
        the_file(result, "quillmere.html")["letter"]["statistics"]["compliance"]["rate_pct"] == 80
    )


# --- other formats, escaping, limits ---------------------------------------------------


def test_markdown_with_hidden_html(lgo_workdir: Path, lgo_cli: Callable[..., CliResult]) -> None:
    text = annual_review_letter(compliance_rate=80)
    hidden = text.replace(VISIBLE, f'<span style="display:none">{DECOY}</span>\n\n{VISIBLE}')
    Path("quillmere.md").write_text(hidden, "utf-8")
    result = lgo_cli("--format", "json", "quillmere.md")
    assert the_file(result, "quillmere.md")["letter"]["statistics"]["compliance"]["rate_pct"] == 80
    [finding] = hidden_findings(result, "quillmere.md")
    assert finding["line"] == line_of(hidden, DECOY)


def test_excerpt_is_escaped_and_short(lgo_workdir: Path, lgo_cli: Callable[..., CliResult]) -> None:
    page = html_letter(annual_review_letter()).replace(
        "<body>", "<body><p hidden>Spoof \u202e\x1b[31m " + "word " * 40 + "</p>"
    )
    Path("quillmere.html").write_text(page, "utf-8")
    result = lgo_cli("quillmere.html")
    [line] = [line for line in result.out.splitlines() if "LGO004" in line]
    assert "\\u202e" in line and "\\x1b" in line
    assert "\u202e" not in result.out and "\x1b" not in result.out
    assert "..." in line and line.count("word") < 20


def test_many_hidden_passages_are_counted_not_listed() -> None:
    page = "".join(f"<p hidden>secret {n}</p><p>shown {n}</p>" for n in range(MAX_LISTED + 7))
    result = find_hidden(page)
    listed = [p for p in result.passages if p.excerpt]
    assert len(listed) == MAX_LISTED
    assert any(p.how.startswith("7 more hidden passages") for p in result.passages)
    assert "secret" not in result.text and "shown 26" in result.text


def test_deep_nesting_and_many_rules_are_bounded() -> None:
    deep = "<div>" * 20_000 + '<p style="display:none">deep secret</p>' + "</div>" * 20_000
    result = find_hidden(deep)
    assert "deep secret" not in result.text
    rules = "".join(f".c{n} {{ display: none }}\n" for n in range(MAX_SELECTORS + 10))
    page = f"<style>{rules}</style><p class='c1'>one</p><p>two</p>"
    result = find_hidden(page)
    assert "one" not in result.text and "two" in result.text
    assert any(not p.decided and f"more than {MAX_SELECTORS:,}" in p.how for p in result.passages)


def test_time_limit_reaches_into_the_styles() -> None:
    rules = "".join(f".c{n} {{ display: none }}\n" for n in range(2_000))
    page = f"<style>{rules}</style>" + "<p>x</p>" * 100

    def out_of_time(where: str) -> None:
        raise LoadError(f"reading took longer than the limit ({where})")

    started = time.process_time()
    with pytest.raises(LoadError, match="styles"):
        find_hidden(page, out_of_time)
    assert time.process_time() - started < 30  # stopped early, not after every selector


def test_broken_css_and_markup_never_raise() -> None:
    page = (
        "<style>.h { display: none ; } }}} {{{ .x[ { display:none } ::: {} @media { </style>"
        "<p class=h>hidden one</p><div style='display:'>kept<p class=\"x\">kept two"
        "<svg:rect style='display:none'>svg</svg:rect><a b\x00c=1>nul</a>"
    )
    result = find_hidden(page)
    assert "hidden one" not in result.text
    assert "kept two" in result.text and "nul" in result.text


# --- Word --------------------------------------------------------------------------------


def _paragraph(document: Any, text: str) -> Any:
    """The paragraph holding ``text``, in the body or in a table cell."""
    for paragraph in document.paragraphs:
        if text in paragraph.text:
            return paragraph
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    if text in paragraph.text:
                        return paragraph
    raise AssertionError(f"{text!r} not in the document")


def _word_letter(tmp: Path, edit: Callable[[Any], None]) -> Path:
    import docx
    from documents import letter_to_docx

    path = letter_to_docx(annual_review_letter(compliance_rate=80), tmp / "quillmere.docx")
    document = docx.Document(str(path))
    edit(document)
    document.save(str(path))
    return path


def _hide_with(how: str) -> Callable[[Any], None]:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement

    def edit(document: Any) -> None:
        visible = _paragraph(document, VISIBLE)
        if how == "vanish-paragraph":
            decoy = visible.insert_paragraph_before()
            decoy.add_run(DECOY).font.hidden = True
        elif how == "vanish-style":
            style = document.styles.add_style("Draft note", WD_STYLE_TYPE.CHARACTER)
            style.font.hidden = True
            visible.insert_paragraph_before().add_run(DECOY, style="Draft note")
        elif how == "specVanish-run":
            run = visible.add_run(" " + DECOY)
            run._r.get_or_add_rPr().append(OxmlElement("w:specVanish"))

    return edit


WORD_HIDERS = {
    "vanish-paragraph": "`w:vanish` on the run",
    "vanish-style": "`w:vanish` in the style `Draft note`",
    "specVanish-run": "`w:specVanish` on the run",
}


@pytest.mark.parametrize("how", sorted(WORD_HIDERS))
def test_hidden_word_figure_is_not_read_and_is_reported(
    how: str, tmp_path: Path, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    path = _word_letter(tmp_path, _hide_with(how))
    result = lgo_cli("--format", "json", str(path))
    [report] = result.json()["files"]
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] == 80
    assert "100% of cases" not in json.dumps(report["letter"])
    assert "compliance-below-100" in {f["rule"] for f in report["findings"]}
    assert result.code == 1
    [finding] = [f for f in report["findings"] if f["rule"] == "hidden-text"]
    assert WORD_HIDERS[how] in finding["message"]
    assert "In 100% of cases" in finding["message"]
    # Placed where the hidden text stood in the letter's lines: before the visible
    # sentence (a hidden paragraph), or just after it (a hidden run at its end).
    source = _source_lines(path)
    line = source[finding["line"] - 1]
    if how == "specVanish-run":
        assert line[: finding["column"] - 1] == VISIBLE
    else:
        assert finding["column"] == 1 and line.startswith(VISIBLE)


def _source_lines(path: Path) -> list[str]:
    import lgo_check.load
    from lgo_check.builtin_rules import lgo_check_loaders

    source = lgo_check.load.read_source(
        lgo_check.load.Target(path, path.name), lgo_check_loaders(), lgo_check.load.Limits()
    )
    return source.text.split("\n")


def test_white_word_text_on_a_white_page(
    tmp_path: Path, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    """White text hides a body name in the heading; white text on shading is seen."""
    from docx.oxml import OxmlElement
    from docx.shared import RGBColor

    def edit(document: Any) -> None:
        name = _paragraph(document, "Quillmere District Council")
        decoy = name.insert_paragraph_before()
        decoy.add_run("Brantwood Borough Council").font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        banner = _paragraph(document, "Yours sincerely").insert_paragraph_before()
        banner.add_run("Shaded banner 2024").font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        shading = OxmlElement("w:shd")
        shading.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill", "1D3557")
        banner._p.get_or_add_pPr().append(shading)
        web = _paragraph(document, "Dear Ms Harrow").add_run(" (web view only)")
        web._r.get_or_add_rPr().append(OxmlElement("w:webHidden"))

    path = _word_letter(tmp_path, edit)
    result = lgo_cli("--format", "json", str(path))
    [report] = result.json()["files"]
    assert report["letter"]["organisation"] == "Quillmere District Council"
    [finding] = [f for f in report["findings"] if f["rule"] == "hidden-text"]
    assert "white text on a white page" in finding["message"]
    assert "Brantwood Borough Council" in finding["message"]
    lines = _source_lines(path)
    assert lines[finding["line"] - 1] == "Quillmere District Council"
    # Seen, so read: white on a shaded paragraph, and text hidden only in web view.
    assert "Shaded banner 2024" in lines
    assert "Dear Ms Harrow (web view only)" in lines


# Each once made reading hidden HTML quadratic: unclosed openings that Python's parser
# rescans from every "<", end tags searched for down a deep stack, deep trees that
# cost lxml their depth per element, selectors that walk every element's ancestors.
HOSTILE_UNITS = {
    "unclosed-tag": lambda n: "<a " * n,
    "unclosed-comment": lambda n: "<!--" * n,
    "unclosed-cdata": lambda n: "<![CDATA[" * n,
    "deep-nesting": lambda n: "<b>" * n,
    "stray-end-tags": lambda n: "<div>" * n + "</span>" * n,
    "descendant-selectors": lambda n: (
        "<style>" + "div " * 12 + "p { display: none }</style>" + "<div>" * 600 + "<p>x</p>" * n
    ),
}


def _cost(text: str) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.process_time()
        find_hidden(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("unit", sorted(HOSTILE_UNITS))
def test_hidden_html_reading_is_linear(unit: str) -> None:
    """A hang guard, not a timing target: ten times the input must cost well under a
    hundred times the time (what a quadratic path costs)."""
    make = HOSTILE_UNITS[unit]
    small = _cost("<p hidden>x</p>" + make(2_000))
    large = _cost("<p hidden>x</p>" + make(20_000))
    assert large < 40 * max(small, 0.005), (small, large)
