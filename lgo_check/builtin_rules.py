"""lgo-check's own plugin: Python rules, the built-in rule pack, and the loaders.

Registered in the ``lgo_check`` entry-point group like any third-party pack.
Threshold and comparison rules are data in ``rules/`` (the rule pack); what data
cannot say lives here as Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from lgo_check.baseline import StaleBaselineEntry
from lgo_check.hookspecs import hookimpl
from lgo_check.load import Loader
from lgo_check.model import Letter, Number, Severity, Span, Status
from lgo_check.rule import Hit, Rule, RuleOptions

BLOCK_TITLES = {
    "upheld": "complaints upheld",
    "compliance": "compliance with recommendations",
    "remedy": "satisfactory remedies",
    "overview": "complaint overview",
}

#: What each figure is, for statistics-missing's messages.
FIELD_TITLES = {
    "rate_pct": "the rate",
    "peer_average_pct": "the average for similar authorities",
    "count": "the number of decisions",
    "per_100k": "upheld decisions per 100,000 residents",
    "peer_average_per_100k": "the similar authorities' upheld decisions per 100,000 residents",
    "investigations": "the number of investigations",
    "outcomes": "the number of compliance outcomes",
    "upheld_base": "the number of upheld decisions it is based on",
    "dealt_with": "complaints dealt with",
    "not_for_us": "complaints not for us or not ready for us",
    "assessed_and_closed": "complaints assessed and closed",
    "investigated": "complaints investigated",
    "upheld": "complaints upheld",
}


class UnreadableInput(Rule):
    """The file could not be read or decoded, so nothing in it was checked.

    ## What it does
    Reports a file that lgo-check could not turn into text: it is empty, binary,
    a PDF that is encrypted, damaged or has no text layer (a scan), in an encoding
    that is neither UTF-8 nor Windows-1252, over the size limit, or it vanished or
    could not be opened during the run.

    ## Why it matters
    A letter that was not read was not checked. A committee pack that silently
    skips a letter looks clean when it is not.

    ## Example
    `letters/scan.pdf:1:1: LGO001 error Could not be checked: the PDF has no text layer.`
    """

    code = "LGO001"
    name = "unreadable-input"
    severity = Severity.error
    needs_annual_review = False

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        # Raised by the engine when loading fails; a letter that exists was readable.
        return iter(())


class CheckFailed(Rule):
    """A stage of checking failed on this file, so it was not fully checked.

    ## What it does
    Reports a file on which extraction, a rule, or the writing of its report
    failed (a bug in lgo-check or in a plugin, or a file that took longer than
    the time limit). The message names the stage and the reason. The other
    files of the run are checked and reported as usual, and the exit status is 2.

    ## Why it matters
    A check that did not run is not a clean result: without this finding, a
    file whose rules failed would look as if it had nothing to report.

    ## Example
    `letters/a.txt:1:1: LGO003 error Checking failed in extraction: ...`
    """

    code = "LGO003"
    name = "check-failed"
    severity = Severity.error
    needs_annual_review = False

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        # Raised by the runner when a stage fails, never by looking at a letter.
        return iter(())


class HiddenTextFound(Rule):
    """The file holds text a reader does not see; it was left out of the letter.

    ## What it does
    Reports each passage of hidden text, where it is and how it is hidden: in
    HTML, the `hidden` attribute, CSS `display: none`, `visibility: hidden`,
    `opacity: 0`, a zero font size or text in the colour of its background (in a
    `style` attribute or a `<style>` rule with any selector), and `<template>`
    elements; in Word, hidden text (`w:vanish`, `w:specVanish`, on a run or
    through its style) and white text on a white page; in a PDF, text that is
    invisible or only a clipping path (render modes 3 and 7, except a scan's OCR
    layer over its picture), fully transparent, in the colour of what is under it,
    under 1 point high, or outside the page's crop box. Hidden text is never read
    as the letter's: its figures, concerns and names count for nothing. The
    finding also says when lgo-check cannot tell what is hidden, for instance
    when a page takes its styles from an external stylesheet, which is not read.

    ## Why it matters
    A figure hidden in a letter can contradict the one a reader sees. The checks
    follow what the reader sees, but a letter with hidden text has been edited
    or generated in a way worth asking about before its figures go to a committee.

    ## Example
    A line the text output gives for `tests/hidden/ashcombe-vale-dc-2023-24.html`:

        ashcombe-vale-dc-2023-24.html:22:40: LGO004 warning Text hidden by CSS
        `display: none` (the <style> rule `.letterhead > .old`) is left out of the
        letter: "Brantwood Borough Council". [hidden-text]
    """

    code = "LGO004"
    name = "hidden-text"
    severity = Severity.warning
    needs_annual_review = False

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        for hidden in letter.hidden_text:
            if not hidden.decided:
                message = f"lgo-check cannot tell whether text is hidden: {hidden.how}."
            elif hidden.excerpt:
                message = (
                    f'Text hidden by {hidden.how} is left out of the letter: "{hidden.excerpt}".'
                )
            else:
                message = f"Hidden text is left out of the letter: {hidden.how}."
            yield Hit(message, hidden.span)


class NotAnAnnualReviewLetter(Rule):
    """The file is not an Ombudsman annual review letter.

    ## What it does
    Flags a file that was read but does not look like an annual review letter
    from the Local Government and Social Care Ombudsman: it names no review year
    and no annual summary of complaint statistics, and none of the letter's
    statistics sentences are in it.

    ## Why it matters
    A wrong file in a letters folder (a covering report, another ombudsman's
    letter) would otherwise pass as a letter with no concerns.

    ## Example
    A council newsletter saved as `letters/2024/newsletter.txt`.
    """

    code = "LGO002"
    name = "not-an-annual-review-letter"
    severity = Severity.error
    needs_annual_review = False

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        if not letter.is_annual_review:
            yield Hit(
                "This does not read as an Ombudsman annual review letter: no review year, "
                "no annual summary of complaint statistics and no statistics sentences were found."
            )


class StatisticsMissing(Rule):
    """The letter's statistics, one of their blocks, or one of their figures could not be read.

    ## What it does
    Flags a letter with no statistics section at all (often the statistics page
    was lost when the PDF was converted), a block that is missing (complaints
    upheld, compliance with recommendations, satisfactory remedies, and the
    complaint overview in letters from 2024-25 on), and every figure that a block
    the letter does report should state but that was left empty, with the reason:
    not stated in any wording lgo-check knows, stated twice with different values,
    or only stated as a national, England-wide or previous year's figure. Secondary
    figures count too: peer averages, per-100,000 figures, overview counts. A figure
    lgo-check is not sure of is left empty rather than guessed.

    ## Why it matters
    Every other statistics rule stays silent on a figure it does not have. A
    clean report on a letter whose figures were never read is not a clean letter:
    get the full letter (the Ombudsman publishes it as a PDF) and check again.

    ## Example
    `rotherham.txt:1:1: LGO101 warning No statistics were found in this letter ...`
    """

    code = "LGO101"
    name = "statistics-missing"
    severity = Severity.warning

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        stats = letter.statistics
        blocks = {
            name: getattr(stats, name) for name in BLOCK_TITLES if getattr(stats, name) is not None
        }
        missing = [name for name, block in blocks.items() if block.status == Status.missing]
        if len(missing) == len(blocks):
            yield Hit(
                "No statistics were found in this letter (complaints upheld, compliance with "
                "recommendations, satisfactory remedies), so none of them could be checked; "
                "the statistics page may have been lost in conversion."
            )
        else:
            for name in missing:
                heading = blocks[name].spans.get("heading")
                yield Hit(
                    f"The {BLOCK_TITLES[name]} statistics could not be found or read, "
                    "so they could not be checked.",
                    heading,
                )
        for problem in letter.problems:
            title = FIELD_TITLES.get(problem.field.partition(".")[2])
            named = f"{problem.field} ({title})" if title else problem.field
            yield Hit(f"{named} could not be read: {problem.reason}.", problem.span)


class StatisticsInconsistent(Rule):
    """The letter's figures contradict each other beyond rounding.

    ## What it does
    Checks the figures against each other: the upheld count over the number of
    investigations against the upheld rate, the remedy count over its upheld base
    against the remedy rate, counts above their base, and the upheld count
    against the upheld base of the remedy block (they are the same decisions).
    Rates in letters are whole percentages, so a difference of up to
    `tolerance-pct` points (default 1) is allowed.

    ## Why it matters
    Contradictory figures mean one of them was mistyped or misread; a committee
    should not act on either until it is resolved.

    ## Example
    `Upheld rate is stated as 60%, but 10 upheld of 40 investigations is 25%.`
    """

    code = "LGO102"
    name = "statistics-inconsistent"
    severity = Severity.error

    class Options(RuleOptions):
        tolerance_pct: float = 1.0

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        up, rem, ov = letter.statistics.upheld, letter.statistics.remedy, letter.statistics.overview
        tolerance = options.tolerance_pct
        yield from _rate_check(
            "Upheld rate",
            up.rate_pct,
            up.count,
            up.investigations,
            "upheld of",
            "investigations",
            up.spans.get("rate_pct"),
            tolerance,
        )
        yield from _rate_check(
            "Satisfactory remedy rate",
            rem.rate_pct,
            rem.count,
            rem.upheld_base,
            "remedies of",
            "upheld decisions",
            rem.spans.get("rate_pct"),
            tolerance,
        )
        if up.count is not None and up.investigations is not None and up.count > up.investigations:
            yield Hit(
                f"{up.count} upheld decisions is more than the {up.investigations} "
                "investigations they come from.",
                up.spans.get("count"),
            )
        if rem.count is not None and rem.upheld_base is not None and rem.count > rem.upheld_base:
            yield Hit(
                f"{rem.count} satisfactory remedy decisions is more than the {rem.upheld_base} "
                "upheld decisions they come from.",
                rem.spans.get("count"),
            )
        if up.count is not None and rem.upheld_base is not None and up.count != rem.upheld_base:
            yield Hit(
                f"The letter gives {up.count} upheld decisions, but the remedy statistics are "
                f"based on {rem.upheld_base} upheld decisions.",
                rem.spans.get("upheld_base"),
            )
        if ov is not None:
            for field, other, label in (
                ("investigated", up.investigations, "investigations"),
                ("upheld", up.count, "upheld decisions"),
            ):
                value = getattr(ov, field)
                if value is not None and other is not None and value != other:
                    yield Hit(
                        f"The complaint overview gives {value} {label}, but the upheld "
                        f"statistics give {other}.",
                        ov.spans.get(field),
                    )


def _rate_check(
    label: str,
    rate: Number | None,
    count: int | None,
    base: int | None,
    of: str,
    base_label: str,
    span: Span | None,
    tolerance: float,
) -> Iterator[Hit]:
    if rate is None or count is None or not base:
        return
    computed = 100 * count / base
    if abs(computed - rate) > tolerance + 1e-9:
        yield Hit(
            f"{label} is stated as {rate:g}%, but {count} {of} {base} {base_label} "
            f"is {computed:.0f}%.",
            span,
        )


@hookimpl
def lgo_check_rules() -> list[type[Rule]]:
    from lgo_check.trends import BUILTIN_BODY_RULES

    return [
        UnreadableInput,
        NotAnAnnualReviewLetter,
        CheckFailed,
        HiddenTextFound,
        StatisticsMissing,
        StatisticsInconsistent,
        *BUILTIN_BODY_RULES,
        StaleBaselineEntry,
    ]


def builtin_rule_pack() -> Path:
    """The rule pack: inside the installed package, or ``rules/`` in a source checkout."""
    packaged = Path(str(files("lgo_check"))) / "rulepack"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


@hookimpl
def lgo_check_rule_paths() -> list[Path]:
    return [builtin_rule_pack()]


@hookimpl
def lgo_check_loaders() -> list[Loader]:
    from lgo_check.load.docx import DocxLoader
    from lgo_check.load.pdf import PdfLoader
    from lgo_check.load.text import HtmlLoader, MarkdownLoader, TextLoader

    return [TextLoader(), MarkdownLoader(), HtmlLoader(), PdfLoader(), DocxLoader()]
