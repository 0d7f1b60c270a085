"""The pack as one self-contained, accessible HTML page (WCAG 2.1 AA).

No script, no external resource: styles and charts are inline, so the page works
offline and prints on A4 with each body on a new page. Every piece of text from
a letter is escaped; headings run h1 > h2 > h3 without gaps; tables have real
header cells; each chart states its figures in text.
"""

from __future__ import annotations

from html import escape

from lgo_check.model import Severity
from lgo_check.pack.content import (
    CASE_SELECTION_YEAR,
    INDEX_COLUMNS,
    MARKS,
    TREND_MEASURES,
    BodySection,
    Figure,
    Mark,
    Pack,
    Statistic,
)
from lgo_check.pack.svg import Bar, bar_chart

CSS = """
:root { color: #1a1a1a; background: #ffffff; }
body { font-family: Arial, Helvetica, sans-serif; line-height: 1.5; margin: 0 auto;
  max-width: 62rem; padding: 1rem 1.5rem; font-size: 1rem; }
h1 { font-size: 1.9rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.5rem; border-bottom: 3px solid #1d4f91; padding-bottom: 0.2rem;
  margin-top: 2.5rem; }
h3 { font-size: 1.2rem; margin-top: 1.8rem; }
a { color: #1d4f91; }
a:focus { outline: 3px solid #b35c00; outline-offset: 2px; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
th, td { border: 1px solid #767676; padding: 0.35rem 0.5rem; text-align: left;
  vertical-align: top; }
thead th { background: #e8edf5; }
td.num { text-align: right; white-space: nowrap; }
.source { color: #4a4a4a; font-size: 0.85rem; }
.status { font-weight: bold; white-space: nowrap; padding: 0.1rem 0.4rem;
  border: 1px solid currentColor; border-radius: 3px; }
.status-red { background: #fbe3e1; color: #8a1009; }
.status-amber { background: #fff0c2; color: #5c3d00; }
.status-green { background: #dff2e3; color: #0d4a1d; }
.status-none { background: #f0f0f0; color: #3d3d3d; }
.cover dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
.cover dt { font-weight: bold; }
.cover dd { margin: 0; }
blockquote { border-left: 4px solid #1d4f91; margin: 0.5rem 0; padding: 0.2rem 1rem;
  background: #f4f6fa; }
figure { margin: 1rem 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(24rem, 1fr));
  gap: 0 2rem; }
figcaption { font-size: 0.95rem; }
svg.chart { max-width: 100%; height: auto; }
.finding { margin-bottom: 0.8rem; }
.severity { font-weight: bold; }
footer { margin-top: 3rem; border-top: 1px solid #767676; font-size: 0.9rem; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  section.body { break-before: page; }
  h2, h3 { break-after: avoid; }
  table, figure, blockquote { break-inside: avoid; }
  a { color: #1a1a1a; text-decoration: none; }
  nav { break-after: page; }
}
"""

SEVERITY_WORDS = {
    Severity.error: "Error",
    Severity.warning: "Warning",
    Severity.note: "Note",
}


def _e(text: str) -> str:
    return escape(text, quote=True)


def _mark(mark: Mark) -> str:
    return (
        f'<span class="status status-{mark.key}">'
        f'<span aria-hidden="true">{mark.symbol}</span> {_e(mark.word)}</span>'
    )


def _figure(figure: Figure) -> str:
    source = f'<br><span class="source">{_e(figure.place)}</span>' if figure.place else ""
    return f"{_e(figure.text)}{source}"


def _short(name: str) -> str:
    return name if len(name) <= 26 else name[:25] + "\u2026"


def _chart(body: BodySection, stat: Statistic, n: int) -> str:
    if not stat.body.stated:
        return ""
    bars = [Bar(_short(body.name), stat.body.value or 0, stat.body.text)]
    if stat.average.stated:
        bars.append(
            Bar("Similar bodies' average", stat.average.value or 0, stat.average.text, "outline")
        )
    title = f"{stat.label}: {body.name} against the average of similar bodies"
    chart = bar_chart(
        f"{body.anchor}-chart{n}", title, bars, 100 if stat.body.unit == "%" else None
    )
    caption = f"{stat.label}: {body.name} {stat.body.text}" + (
        f", similar bodies' average {stat.average.text}." if stat.average.stated else "."
    )
    return f"<figure>{chart}<figcaption>{_e(caption)}</figcaption></figure>"


def _overview_chart(body: BodySection) -> str:
    bars = [Bar(label, fig.value or 0, fig.text) for label, fig in body.overview if fig.stated]
    if not bars:
        return ""
    title = f"Complaint overview for {body.name}"
    chart = bar_chart(f"{body.anchor}-overview", title, bars)
    caption = "Complaint overview: " + "; ".join(f"{b.label} {b.text}" for b in bars) + "."
    return f"<figure>{chart}<figcaption>{_e(caption)}</figcaption></figure>"


def _trend_chart(body: BodySection) -> str:
    rows = [r for r in body.trend if r.figures["upheld_rate"].stated]
    if len(rows) < 2:
        return ""
    bars = []
    for row in rows:
        rate = row.figures["upheld_rate"]
        bars.append(Bar(f"{row.year} this body", rate.value or 0, rate.text))
        average = row.figures["upheld_average"]
        if average.stated:
            bars.append(
                Bar(f"{row.year} similar bodies", average.value or 0, average.text, "outline")
            )
    title = f"Upheld rate by year for {body.name}, with the average of similar bodies"
    chart = bar_chart(f"{body.anchor}-trend", title, bars, 100)
    caption = (
        f"Upheld rate by year, {body.name} (solid) and similar bodies (dashed): "
        + "; ".join(f"{b.label} {b.text}" for b in bars)
        + "."
    )
    years = [row.year for row in rows]
    if min(years) < CASE_SELECTION_YEAR <= max(years):
        caption += " Rates before and after 2022-23 are not like for like."
    return f"<figure>{chart}<figcaption>{_e(caption)}</figcaption></figure>"


def _section(body: BodySection) -> str:
    a = body.anchor
    out = [
        f'<section class="body" id="{a}" aria-labelledby="{a}-h">',
        f'<h2 id="{a}-h">{_e(body.title)}</h2>',
        "<p>",
        f"Letter: {_e(body.path)}",
    ]
    if body.letter_date:
        out.append(f"; dated {_e(body.letter_date)}")
    out.append(".</p>")

    out.append(f'<h3 id="{a}-summary">Summary</h3>')
    out.extend(f"<p>{_e(line)}</p>" for line in body.summary)
    out.append(
        f"<table><caption>Status of each statistic for {_e(body.name)}</caption>"
        '<thead><tr><th scope="col">Statistic</th><th scope="col">Status</th>'
        '<th scope="col">Figure</th><th scope="col">Similar bodies</th>'
        '<th scope="col">Set by</th></tr></thead><tbody>'
    )
    for stat in body.statistics:
        reason = ", ".join(stat.rule_codes) if stat.rule_codes else stat.status.meaning
        out.append(
            f'<tr><th scope="row">{_e(stat.label)}</th><td>{_mark(stat.status)}</td>'
            f'<td class="num">{_e(stat.body.text)}</td>'
            f'<td class="num">{_e(stat.average.text)}</td><td>{_e(reason)}</td></tr>'
        )
    out.append("</tbody></table>")

    out.append(f'<h3 id="{a}-statistics">Statistics against similar bodies</h3>')
    out.append(
        f"<table><caption>{_e(body.name)} against the average of similar bodies, "
        f"{_e(body.year or '')}</caption>"
        '<thead><tr><th scope="col">Statistic</th><th scope="col">This body</th>'
        '<th scope="col">Similar bodies\' average</th><th scope="col">Based on</th>'
        "</tr></thead><tbody>"
    )
    for stat in body.statistics:
        out.append(
            f'<tr><th scope="row">{_e(stat.label)}</th><td>{_figure(stat.body)}</td>'
            f"<td>{_figure(stat.average)}</td><td>{_e(stat.basis or '-')}</td></tr>"
        )
    out.append("</tbody></table>")
    charts = "".join(_chart(body, stat, n) for n, stat in enumerate(body.statistics, 1))
    if charts:
        out.append(f'<div class="charts">{charts}</div>')
    if body.overview:
        out.append(
            f"<table><caption>Complaint overview, {_e(body.name)}</caption>"
            '<thead><tr><th scope="col">Measure</th><th scope="col">Count</th></tr></thead>'
            "<tbody>"
        )
        out.extend(
            f'<tr><th scope="row">{_e(label)}</th><td>{_figure(fig)}</td></tr>'
            for label, fig in body.overview
        )
        out.append("</tbody></table>")
        out.append(_overview_chart(body))

    out.append(f'<h3 id="{a}-concerns">Concerns raised in the letter</h3>')
    if body.concerns:
        for concern in body.concerns:
            where = ", ".join(filter(None, [concern.place, concern.how]))
            out.append(
                f"<p><strong>{_e(concern.label)}</strong> "
                f'<span class="source">({_e(where)})</span></p>'
                f"<blockquote><p>{_e(concern.text)}</p></blockquote>"
            )
    else:
        out.append("<p>lgo-check found no concern in the letter's prose.</p>")

    out.append(f'<h3 id="{a}-findings">Findings and why they matter</h3>')
    if body.findings:
        out.append("<ul>")
        for f in body.findings:
            out.append(
                f'<li class="finding"><span class="severity">{SEVERITY_WORDS[f.severity]}'
                f"</span> {_e(f.code)} {_e(f.name)}: {_e(f.message)} "
                f'<span class="source">({_e(f.place)})</span>'
                + (f"<br><em>Why it matters:</em> {_e(f.why)}" if f.why else "")
                + "</li>"
            )
        out.append("</ul>")
    else:
        out.append("<p>No findings.</p>")

    out.append(f'<h3 id="{a}-caveats">Caveats</h3>')
    if body.caveats:
        out.append("<ul>" + "".join(f"<li>{_e(c)}</li>" for c in body.caveats) + "</ul>")
    else:
        out.append("<p>None of the known caveats applies.</p>")

    out.append(f'<h3 id="{a}-trend">Trend</h3><p>{_e(body.trend_note)}</p>')
    out.append(
        f"<table><caption>{_e(body.name)} by year</caption><thead><tr>"
        '<th scope="col">Year</th>'
        + "".join(f'<th scope="col">{_e(label)}</th>' for _, label in TREND_MEASURES)
        + "</tr></thead><tbody>"
    )
    for row in body.trend:
        out.append(
            f'<tr><th scope="row">{_e(row.year)}<br><span class="source">{_e(row.path)}</span></th>'
            + "".join(f"<td>{_figure(row.figures[k])}</td>" for k, _ in TREND_MEASURES)
            + "</tr>"
        )
    out.append("</tbody></table>")
    out.append(_trend_chart(body))

    out.append(
        f'<h3 id="{a}-recommendations">Draft recommendations</h3><p>The committee is asked:</p><ol>'
    )
    out.extend(f"<li>{_e(r)}</li>" for r in body.recommendations)
    out.append("</ol></section>")
    return "".join(out)


def _index(pack: Pack) -> str:
    out = [
        '<section id="index" aria-labelledby="index-h"><h2 id="index-h">All bodies</h2>'
        "<table><caption>Each body's letter at a glance</caption><thead><tr>"
        + "".join(f'<th scope="col">{_e(c)}</th>' for c in INDEX_COLUMNS)
        + "</tr></thead><tbody>"
    ]
    for body in pack.bodies:
        stats, counts = body.at_a_glance()
        cells = "".join(f"<td>{_mark(s.status)} {_e(s.brief)}</td>" for s in stats)
        out.append(
            f'<tr><th scope="row"><a href="#{body.anchor}">{_e(body.name)}</a></th>'
            f"<td>{_e(body.year or '?')}</td>{cells}"
            + "".join(f'<td class="num">{n}</td>' for n in counts)
            + "</tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def render_html(pack: Pack) -> str:
    cover = pack.cover
    rows = [
        ("Committee", cover.committee),
        ("Meeting date", cover.meeting_date),
        ("Author", cover.author),
        ("Letters", str(sum(len(b.trend) for b in pack.bodies))),
    ]
    out = [
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(pack.title)}</title><style>{CSS}</style></head><body>",
        '<header class="cover">',
        f"<h1>{_e(pack.title)}</h1><dl>",
    ]
    out.extend(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows if v)
    out.append("</dl></header>")
    out.append('<nav aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2><ol>')
    if len(pack.bodies) > 1:
        out.append('<li><a href="#index">All bodies</a></li>')
    for body in pack.bodies:
        out.append(f'<li><a href="#{body.anchor}">{_e(body.title)}</a></li>')
    if pack.left_out:
        out.append('<li><a href="#left-out">Files not in this pack</a></li>')
    out.append('<li><a href="#key">Key to the status marks</a></li></ol></nav><main>')
    if len(pack.bodies) > 1:
        out.append(_index(pack))
    if not pack.bodies:
        out.append("<p>No annual review letter was found under the paths given.</p>")
    out.extend(_section(body) for body in pack.bodies)
    if pack.left_out:
        out.append(
            '<section id="left-out" aria-labelledby="left-out-h">'
            '<h2 id="left-out-h">Files not in this pack</h2><table>'
            "<caption>Files read but not reported on, and why</caption>"
            '<thead><tr><th scope="col">File</th><th scope="col">Reason</th></tr></thead><tbody>'
        )
        out.extend(
            f'<tr><th scope="row">{_e(item.path)}</th><td>{_e(item.reason)}</td></tr>'
            for item in pack.left_out
        )
        out.append("</tbody></table></section>")
    out.append(
        '<section id="key" aria-labelledby="key-h"><h2 id="key-h">Key to the status marks</h2>'
        '<table><caption>What each status means</caption><thead><tr><th scope="col">Status</th>'
        '<th scope="col">Meaning</th></tr></thead><tbody>'
    )
    seen = set()
    for mark in MARKS:
        if mark.word not in seen:
            seen.add(mark.word)
            out.append(f"<tr><td>{_mark(mark)}</td><td>{_e(mark.meaning)}</td></tr>")
    out.append(
        "</tbody></table><p>A statistic's status follows the most severe lgo-check finding "
        "about that figure, at the severities configured for the run.</p></section></main>"
    )
    out.append(
        f"<footer><p>Written by lgo-check {_e(pack.version)}. Every figure is one lgo-check "
        "read from the letter named, at the page and line given; check them against the "
        "letter before publishing.</p></footer></body></html>\n"
    )
    return "".join(out)
