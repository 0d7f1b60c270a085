"""Hidden PDF text: never read as the letter's, always reported (hidden-text, LGO004).

Every letter here is for a fictional body, laid out with fpdf2 paragraph by
paragraph. Just above the visible compliance sentence (80%), a copy stating
another rate is drawn so that a reader cannot see it: invisible (render mode 3),
a clipping path only (mode 7), white on the white page, fully transparent, too
small to read, or outside the page. The rate read must be the visible one, the
exit status must follow it, and a hidden-text finding must name the file, the
page and how the copy is hidden.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult, annual_review_letter
from documents import RawPdf, text_ops
from fpdf import FPDF
from fpdf.enums import TextMode

from lgo_check.load import Limits
from lgo_check.load.pdf import read_pdf

VISIBLE = "In 80% of cases we were satisfied the organisation had successfully implemented our recommendations."
DECOY = "In 100% of cases we were satisfied the organisation had successfully implemented our recommendations."

LINE_MM = 5.0


@contextmanager
def off_the_page(pdf: FPDF) -> Iterator[None]:
    """Text drawn to the left of the page, where no reader or printer shows it."""
    left = pdf.l_margin
    pdf.set_left_margin(-400)
    pdf.set_x(-400)
    try:
        yield
    finally:
        pdf.set_left_margin(left)
        pdf.set_x(left)


# How the copy is hidden, and what the finding must say about it.
HIDERS: dict[str, tuple[Callable[[FPDF], Any], str]] = {
    "invisible": (
        lambda pdf: pdf.local_context(text_mode=TextMode.INVISIBLE),
        "PDF text render mode 3 (invisible)",
    ),
    "clip-only": (
        lambda pdf: pdf.local_context(text_mode=TextMode.CLIP),
        "PDF text render mode 7 (a clipping path only, never painted)",
    ),
    "white": (
        lambda pdf: pdf.local_context(text_color=(255, 255, 255)),
        "white text on a white page",
    ),
    "near-white": (
        lambda pdf: pdf.local_context(text_color=(250, 252, 251)),
        "white text on a white page",
    ),
    "transparent": (lambda pdf: pdf.local_context(fill_opacity=0), "fully transparent text"),
    "tiny": (lambda pdf: pdf.local_context(font_size_pt=0.5), "a size too small to read"),
    "off-page": (off_the_page, "outside the page's visible area"),
}


def letter_pdf(
    path: Path,
    hider: Callable[[FPDF], Any] | None,
    visible: str = VISIBLE,
    decoy: str = DECOY,
    before: Callable[[FPDF], None] | None = None,
) -> Path:
    """The letter, one paragraph after another; the decoy drawn just above ``visible``,
    hidden by ``hider`` (``before`` draws something first, under the decoy)."""
    rate = int(visible.split("%")[0].split()[-1])
    text = annual_review_letter(compliance_rate=rate)
    assert visible in text
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if paragraph == visible and hider is not None:
            if before is not None:
                before(pdf)
            with hider(pdf):
                pdf.multi_cell(0, LINE_MM, decoy, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, LINE_MM, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.output(str(path))
    return path


def hidden_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == "hidden-text"]


@pytest.mark.parametrize("hider", sorted(HIDERS))
def test_hidden_figure_is_not_read_and_is_reported(
    hider: str, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    hide, how = HIDERS[hider]
    letter_pdf(Path("quillmere.pdf"), hide)
    result = lgo_cli("--format", "json", "quillmere.pdf")
    [report] = result.json()["files"]
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] == 80
    assert "100% of cases" not in json.dumps(report["letter"])
    assert "compliance-below-100" in {f["rule"] for f in report["findings"]}
    assert result.code == 1  # the visible 80% is an error, whatever the hidden copy says
    [finding] = hidden_findings(report)
    assert finding["severity"] == "warning" and finding["rule_id"] == "LGO004"
    assert how in finding["message"]
    assert "In 100% of cases we were satisfied" in finding["message"]
    # Placed on its page, at the visible line nearest to where it stood.
    assert finding["page"] == 1
    lines = _page_lines(Path("quillmere.pdf"))[0]
    near = lines[finding["line"] - 2 : finding["line"] + 1]
    assert any(line.startswith("In 80% of cases") for line in near)
    text = lgo_cli("quillmere.pdf")
    assert f"quillmere.pdf:p1:{finding['line']}:1: LGO004 warning" in text.out


def _page_lines(path: Path) -> list[list[str]]:
    read = read_pdf(path.read_bytes(), Limits().started())
    return [page.split("\n") for page in read.pages]


def test_hidden_lower_figure_does_not_fail_the_run(
    lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    """The other way round: a hidden 61% never makes a visible 100% fail."""
    visible = VISIBLE.replace("80%", "100%")
    letter_pdf(
        Path("quillmere.pdf"),
        HIDERS["white"][0],
        visible=visible,
        decoy=VISIBLE.replace("80%", "61%"),
    )
    result = lgo_cli("--format", "json", "quillmere.pdf")
    [report] = result.json()["files"]
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] == 100
    rules = {f["rule"] for f in report["findings"]}
    assert "compliance-below-100" not in rules and "statistics-missing" not in rules
    assert result.code == 0  # hidden-text is a warning; --fail-on error by default
    assert len(hidden_findings(report)) == 1
    text = lgo_cli("quillmere.pdf")
    assert "LGO004" in text.out and "61%" in text.out and ":p1:" in text.out


def _banner(colour: tuple[int, int, int]) -> Callable[[FPDF], None]:
    def draw(pdf: FPDF) -> None:
        pdf.set_fill_color(*colour)
        pdf.rect(pdf.l_margin - 2, pdf.get_y() - 1, 174, 2 * LINE_MM + 2, style="F")

    return draw


def test_white_text_on_a_coloured_shape_is_seen(
    lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    """White on a navy banner is read (and so the two rates are stated twice)."""
    letter_pdf(Path("quillmere.pdf"), HIDERS["white"][0], before=_banner((20, 40, 90)))
    result = lgo_cli("--format", "json", "quillmere.pdf")
    [report] = result.json()["files"]
    assert hidden_findings(report) == []
    assert any("In 100% of cases" in line for line in _page_lines(Path("quillmere.pdf"))[0])
    # Two different rates seen: the figure is not guessed, and the gap is named.
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] is None
    assert "statistics-missing" in {f["rule"] for f in report["findings"]}


def test_text_in_the_colour_of_the_shape_under_it_is_hidden(
    lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    """Navy text on a navy box is as unseen as white text on the page."""
    navy = (20, 40, 90)
    letter_pdf(
        Path("quillmere.pdf"),
        lambda pdf: pdf.local_context(text_color=navy),
        before=_banner(navy),
    )
    result = lgo_cli("--format", "json", "quillmere.pdf")
    [report] = result.json()["files"]
    assert report["letter"]["statistics"]["compliance"]["rate_pct"] == 80
    [finding] = hidden_findings(report)
    assert "the colour of the shape under it" in finding["message"]


def _cropped_pdf(path: Path) -> Path:
    """A page whose crop box shows only its upper half; a line is drawn in the lower half."""
    pdf = RawPdf()
    content = text_ops(["Annual Review letter 2023-24", "Seen at the top of the page."], top=800)
    content += b"\n" + text_ops(["Cropped away below."], top=200)
    pdf.page(content)
    page = pdf.pages[-1] - 1
    pdf.objects[page] = pdf.objects[page].replace(
        b"/MediaBox", b"/CropBox [0 421 595 842] /MediaBox"
    )
    return pdf.write(path)


def test_text_outside_the_crop_box_is_hidden(tmp_path: Path) -> None:
    """The crop box is what a viewer shows: text outside it, though on the media box, is not."""
    read = read_pdf(_cropped_pdf(tmp_path / "cropped.pdf").read_bytes(), Limits().started())
    assert read.pages == ["Annual Review letter 2023-24\nSeen at the top of the page."]
    [(page, line, how, text)] = read.hidden
    assert (page, text) == (0, "Cropped away below.")
    assert how == "being placed outside the page's visible area (its crop box)"
    assert line == 1  # the nearest visible line: the lower of the two


def _scan_with_ocr_layer(path: Path, hidden_too: bool = False) -> Path:
    """A scanned page (a picture of the text) with its OCR text in render mode 3 over it."""
    from PIL import Image

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(Image.new("L", (200, 100), 235), x=10, y=10, w=190, h=95)
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(20, 20)
    with pdf.local_context(text_mode=TextMode.INVISIBLE):
        pdf.multi_cell(0, LINE_MM, "Annual Review letter 2023-24 for Quillmere District Council")
        if hidden_too:
            pdf.set_xy(20, 200)  # below the picture: nothing there shows these words
            pdf.multi_cell(0, LINE_MM, "Not on the scan.")
    pdf.output(str(path))
    return path


def test_ocr_layer_over_a_scan_is_read(tmp_path: Path) -> None:
    """Invisible text over a picture is a scan's OCR layer: the picture shows the words."""
    path = _scan_with_ocr_layer(tmp_path / "scan.pdf", hidden_too=True)
    read = read_pdf(path.read_bytes(), Limits().started())
    assert read.pages == ["Annual Review letter 2023-24 for Quillmere District Council"]
    [(_, _, how, text)] = read.hidden
    assert (how, text) == ("PDF text render mode 3 (invisible)", "Not on the scan.")


def test_a_pdf_whose_text_is_all_hidden_says_so(
    tmp_path: Path, lgo_workdir: Path, lgo_cli: Callable[..., CliResult]
) -> None:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    with pdf.local_context(text_color=(255, 255, 255)):
        pdf.multi_cell(0, LINE_MM, annual_review_letter())
    pdf.output("white.pdf")
    result = lgo_cli("--format", "json", "white.pdf")
    [report] = result.json()["files"]
    assert report["checked"] is False and result.code == 1
    assert "no text a reader can see" in report["error"]
    assert "white text on a white page, on page 1" in report["error"]


def test_the_helper_process_hands_on_hidden_passages(tmp_path: Path) -> None:
    from lgo_check.load import pdfworker

    data = letter_pdf(tmp_path / "q.pdf", HIDERS["invisible"][0]).read_bytes()
    isolated = pdfworker.read_isolated(data, Limits().started())
    assert isolated == read_pdf(data, Limits().started())
    assert [text for *_, text in isolated.hidden] == [DECOY]


def test_nothing_hidden_costs_nothing(tmp_path: Path) -> None:
    """A letter with nothing hidden reads exactly as before, with no hidden passage."""
    read = read_pdf(letter_pdf(tmp_path / "plain.pdf", None).read_bytes(), Limits().started())
    assert read.hidden == []
    assert any(line == VISIBLE[: len(line)] and line for line in read.pages[0].split("\n"))
