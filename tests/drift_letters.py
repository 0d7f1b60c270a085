"""Letters whose statistics wording drifts as a future template might, with their truth.

Every letter is for a fictional body and is written from figures drawn here, so the
truth is known exactly: ``truth`` holds each figure the body's own statistics state
("block.field" -> value). National, England-wide and last year's figures are written
beside them with other values, so reading one of those as the body's is a wrong figure.

``build(seed)`` gives one letter; ``python tests/drift_letters.py`` (re)writes the
fixed drift set in ``tests/drift/`` with its ``expected.json``.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

Truth = dict[str, int | float]

BODIES = [
    "Amberleigh District Council",
    "Brackwater Borough Council",
    "Coldharbour Vale Council",
    "Dunmere County Council",
    "Eskerby Metropolitan Borough Council",
    "Fallowmere City Council",
    "Gorsedene District Council",
    "Hollinfold Borough Council",
    "Ivybridge Marsh Council",
    "Jessamy Downs District Council",
    "Kelderby County Council",
    "Lowfell Borough Council",
]

_SMALL = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def in_words(n: int) -> str:
    if n < 20:
        return _SMALL[n]
    tens, units = divmod(n, 10)
    return _TENS[tens - 2] + (f"-{_SMALL[units]}" if units else "")


@dataclass
class Figures:
    investigations: int
    upheld: int
    rate: int | float
    peer: int
    per_100k: float
    peer_per_100k: float
    outcomes: int
    compliance: int
    compliance_peer: int
    remedy_count: int
    remedy_rate: int
    remedy_peer: int
    dealt_with: int
    not_for_us: int
    assessed: int


def draw(rng: random.Random, decimals: bool) -> Figures:
    investigations = rng.randint(3, 90)
    upheld = rng.randint(1, investigations)
    rate: int | float = round(100 * upheld / investigations)
    if decimals:
        rate = round(100 * upheld / investigations, 1)
    remedy_count = rng.randint(0, upheld)
    not_for_us = rng.randint(5, 60)
    assessed = rng.randint(5, 60)
    return Figures(
        investigations=investigations,
        upheld=upheld,
        rate=rate,
        peer=rng.randint(55, 90),
        per_100k=round(rng.uniform(0.5, 9.5), 1),
        peer_per_100k=round(rng.uniform(0.5, 9.5), 1),
        outcomes=rng.randint(1, 60),
        compliance=rng.choice([100, 100, rng.randint(70, 99)]),
        compliance_peer=rng.randint(95, 100),
        remedy_count=remedy_count,
        remedy_rate=round(100 * remedy_count / upheld),
        remedy_peer=rng.randint(5, 20),
        dealt_with=not_for_us + assessed + investigations,
        not_for_us=not_for_us,
        assessed=assessed,
    )


def other(value: int | float, rng: random.Random, top: int = 100) -> int:
    """A different whole number: the national or last year's figure beside the body's."""
    while True:
        candidate = rng.randint(1, top)
        if candidate != value:
            return candidate


def pct(value: int | float, style: str) -> str:
    return f"{value} per cent" if style == "per_cent" else f"{value}%"


@dataclass
class Letter:
    name: str
    fmt: str  # txt, md or html
    paragraphs: list[str | list[list[str]]] = field(default_factory=list)
    truth: Truth = field(default_factory=dict)
    variants: list[str] = field(default_factory=list)

    def say(self, *paragraphs: str) -> None:
        self.paragraphs.extend(paragraphs)

    def table(self, rows: list[list[str]]) -> None:
        self.paragraphs.append(rows)

    def heading(self, text: str) -> None:
        self.paragraphs.append(("# " if self.fmt == "md" else "") + text)

    def render(self) -> str:
        out: list[str] = []
        for para in self.paragraphs:
            if isinstance(para, str):
                if self.fmt == "html":
                    tag = "h2" if para.startswith("# ") else "p"
                    body = "<br>".join(html.escape(x) for x in para.removeprefix("# ").split("\n"))
                    out.append(f"<{tag}>{body}</{tag}>")
                elif self.fmt == "md" and para.startswith("# "):
                    out.append("#" + para)
                else:
                    out.append(para)
            elif self.fmt == "html":
                cells = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for row in para
                )
                out.append(f"<table>{cells}</table>")
            elif self.fmt == "md":
                lines = ["| " + " | ".join(row) + " |" for row in para]
                lines.insert(1, "|" + "---|" * len(para[0]))
                out.append("\n".join(lines))
            else:
                out.append("\n".join("\t".join(row) for row in para))
        if self.fmt == "html":
            return "<html><body>\n" + "\n".join(out) + "\n</body></html>\n"
        return "\n\n".join(out) + "\n"


def _head(letter: Letter, body: str, year: str, rng: random.Random) -> None:
    end = int(year[:4]) + 1
    national = rng.randint(60, 90)
    letter.say(
        f"16 July {end}",
        "By email",
        f"Ms Penrose\nChief Executive\n{body}",
        "Dear Ms Penrose",
        f"Annual Review letter {year}",
        f"I am writing with your annual summary of complaint statistics for the year ending "
        f"31 March {end}. Across all councils this year, {national}% of complaints we "
        "investigated were upheld; we would want to know why if yours fell short of 100% "
        "compliance.",
        "Please share these figures with the members who oversee complaint handling.",
        "Yours sincerely,",
        "Nerys Holloway\nLocal Government and Social Care Ombudsman",
    )


def _period(year: str) -> str:
    start = int(year[:4])
    return f"for the period between 1 April {start} to 31 March {start + 1}"


def _overview(letter: Letter, f: Figures, year: str, rng: random.Random) -> None:
    style = rng.choice(["standard", "table", "reordered"])
    letter.variants.append(f"overview:{style}")
    letter.heading("Complaint overview")
    if style == "standard":
        letter.say(
            f"Between 1 April {year[:4]} to 31 March {int(year[:4]) + 1}, we dealt with "
            f"{f.dealt_with} complaints. Of these, {f.not_for_us} were not for us or not ready "
            f"for us to investigate. We assessed and closed {f.assessed} complaints. "
            f"We investigated {f.investigations} complaints."
        )
    elif style == "table":
        letter.table(
            [
                ["Complaints we dealt with", str(f.dealt_with)],
                ["Not for us or not ready for us", str(f.not_for_us)],
                ["Assessed and closed", str(f.assessed)],
                ["Investigated", str(f.investigations)],
            ]
        )
    else:
        letter.say(
            f"This year {f.dealt_with} complaints reached us. We found {f.not_for_us} were "
            f"not ready for us, closed {f.assessed} after assessment and looked in detail "
            f"at {f.investigations}."
        )
    letter.truth.update(
        {
            "overview.dealt_with": f.dealt_with,
            "overview.not_for_us": f.not_for_us,
            "overview.assessed_and_closed": f.assessed,
            "overview.investigated": f.investigations,
        }
    )


def _upheld(letter: Letter, f: Figures, year: str, rng: random.Random, new: bool) -> None:
    style = rng.choice(
        ["standard", "per_cent", "words", "reordered", "table", "matrix", "years", "last_year"]
    )
    letter.variants.append(f"upheld:{style}")
    letter.heading("Complaints upheld")
    t = letter.truth
    ps = "per_cent" if style == "per_cent" else "%"
    if new:
        letter.say(f"We investigated {f.investigations} complaints and upheld {f.upheld}.")
        t["overview.upheld"] = f.upheld
    if style in ("standard", "per_cent", "words", "last_year"):
        rate = f"{pct(f.rate, ps)} of complaints we investigated were upheld."
        if style == "last_year":
            rate = rate[:-1] + f" (last year: {other(f.rate, rng)}%)."
        letter.say(
            rate, f"This compares to an average of {pct(f.peer, ps)} in similar organisations."
        )
        count = in_words(f.upheld) if style == "words" else str(f.upheld)
        if not new:
            letter.say(
                f"{count}\nupheld decisions" if f.upheld != 1 else f"{count}\nupheld decision"
            )
        letter.say(
            f"This is {f.per_100k} upheld decisions per 100,000 residents.",
            f"The average for authorities of this type is {f.peer_per_100k} upheld decisions "
            "per 100,000 residents.",
        )
        if style == "last_year":
            letter.say(
                f"Last year, {other(f.rate, rng)}% of complaints we investigated were upheld."
            )
        base = in_words(f.investigations) if style == "words" else str(f.investigations)
        if not new:
            letter.say(f"Statistics are based on a total of {base} investigations {_period(year)}")
        t.update(
            {
                "upheld.rate_pct": f.rate,
                "upheld.peer_average_pct": f.peer,
                "upheld.per_100k": f.per_100k,
                "upheld.peer_average_per_100k": f.peer_per_100k,
            }
        )
    elif style == "reordered":
        letter.say(
            f"Of the complaints we investigated, we upheld {f.rate}%, against an average of "
            f"{f.peer}% in similar organisations.",
            f"We made {f.upheld} upheld decisions, or {f.per_100k} for every 100,000 residents "
            f"(similar authorities: {f.peer_per_100k}).",
            f"These figures rest on {f.investigations} investigations.",
        )
        t.update(
            {
                "upheld.rate_pct": f.rate,
                "upheld.peer_average_pct": f.peer,
                "upheld.per_100k": f.per_100k,
                "upheld.peer_average_per_100k": f.peer_per_100k,
            }
        )
    elif style == "table":
        rows = [
            ["Complaints upheld", f"{f.rate}%"],
            ["Average in similar organisations", f"{f.peer}%"],
            ["Upheld decisions", str(f.upheld)],
            ["Upheld decisions per 100,000 residents", str(f.per_100k)],
            ["Investigations", str(f.investigations)],
        ]
        letter.table(rows)
        t.update(
            {
                "upheld.rate_pct": f.rate,
                "upheld.peer_average_pct": f.peer,
                "upheld.per_100k": f.per_100k,
            }
        )
    elif style == "years":  # this year's column beside last year's
        start = int(year[:4])
        last = f"{start - 1}-{str(start)[2:]}"
        letter.table(
            [
                ["", year, last],
                ["Complaints upheld", f"{f.rate}%", f"{other(f.rate, rng)}%"],
                ["Upheld decisions", str(f.upheld), str(other(f.upheld, rng, 90))],
                ["Investigations", str(f.investigations), str(other(f.investigations, rng, 90))],
            ]
        )
        t.update({"upheld.rate_pct": f.rate})
    else:  # matrix: this year, similar authorities, England
        letter.table(
            [
                ["Measure", "Your council", "Similar authorities", "England"],
                ["Complaints upheld", f"{f.rate}%", f"{f.peer}%", f"{other(f.rate, rng)}%"],
                [
                    "Upheld decisions per 100,000 residents",
                    str(f.per_100k),
                    str(f.peer_per_100k),
                    str(round(rng.uniform(0.5, 9.5), 1)),
                ],
                ["Upheld decisions", str(f.upheld), "", str(rng.randint(2000, 9000))],
                ["Investigations", str(f.investigations), "", str(rng.randint(9000, 20000))],
            ]
        )
        t.update(
            {
                "upheld.rate_pct": f.rate,
                "upheld.peer_average_pct": f.peer,
                "upheld.per_100k": f.per_100k,
                "upheld.peer_average_per_100k": f.peer_per_100k,
            }
        )
    t["upheld.count"] = f.upheld
    t["upheld.investigations"] = f.investigations
    if new and style in ("table", "matrix", "reordered"):
        # The overview sentence already stated them; the table restates the same.
        pass


def _compliance(letter: Letter, f: Figures, year: str, rng: random.Random) -> None:
    style = rng.choice(["standard", "per_cent", "words", "table", "last_year", "reordered"])
    letter.variants.append(f"compliance:{style}")
    letter.heading("Compliance with Ombudsman recommendations")
    ps = "per_cent" if style == "per_cent" else "%"
    outcomes = in_words(f.outcomes) if style == "words" else str(f.outcomes)
    if style == "table":
        letter.table(
            [
                ["Compliance rate", f"{f.compliance}%"],
                ["Average in similar organisations", f"{f.compliance_peer}%"],
                ["Compliance outcomes", str(f.outcomes)],
            ]
        )
    elif style == "reordered":
        letter.say(
            f"We were satisfied that the Council had carried out our recommendations in "
            f"{f.compliance}% of cases (similar organisations: {f.compliance_peer}%), out of "
            f"{f.outcomes} compliance outcomes."
        )
    else:
        letter.say(
            f"In {pct(f.compliance, ps)} of cases we were satisfied the Council had successfully "
            "implemented our recommendations.",
            f"This compares to an average of {pct(f.compliance_peer, ps)} in similar organisations.",
        )
        if style == "last_year":
            letter.say(
                f"In {other(f.compliance, rng)}% of cases last year we were satisfied the Council "
                "had successfully implemented our recommendations."
            )
        letter.say(
            f"Statistics are based on a total of {outcomes} compliance outcomes {_period(year)}"
        )
    letter.truth.update(
        {
            "compliance.rate_pct": f.compliance,
            "compliance.peer_average_pct": f.compliance_peer,
            "compliance.outcomes": f.outcomes,
        }
    )


def _remedy(letter: Letter, f: Figures, year: str, rng: random.Random) -> None:
    style = rng.choice(["standard", "per_cent", "words", "table", "value_first"])
    letter.variants.append(f"remedy:{style}")
    letter.heading("Satisfactory remedy provided by the Council")
    ps = "per_cent" if style == "per_cent" else "%"
    if style == "table":
        letter.table(
            [
                ["Satisfactory remedy rate", f"{f.remedy_rate}%"],
                ["Average in similar organisations", f"{f.remedy_peer}%"],
                ["Satisfactory remedy decisions", str(f.remedy_count)],
            ]
        )
        letter.say(
            f"Statistics are based on a total of {f.upheld} upheld decisions {_period(year)}"
        )
    elif style == "value_first":
        # Figure cells before their labels: a row must not borrow the next row's figure.
        letter.table(
            [
                [f"{f.remedy_rate}%", "of upheld cases had a satisfactory remedy from the Council"],
                [str(f.remedy_count), "satisfactory remedy decisions"],
                [str(f.upheld), "upheld decisions"],
            ]
        )
        letter.say(f"This compares to an average of {f.remedy_peer}% in similar organisations.")
    else:
        count = in_words(f.remedy_count) if style == "words" else str(f.remedy_count)
        letter.say(
            f"In {pct(f.remedy_rate, ps)} of upheld cases we found the Council had provided a "
            "satisfactory remedy before the complaint reached the Ombudsman.",
            f"This compares to an average of {pct(f.remedy_peer, ps)} in similar organisations.",
            f"{count}\nsatisfactory remedy decisions",
            f"Statistics are based on a total of {f.upheld} upheld decisions {_period(year)}",
        )
    letter.truth.update(
        {
            "remedy.rate_pct": f.remedy_rate,
            "remedy.peer_average_pct": f.remedy_peer,
            "remedy.count": f.remedy_count,
            "remedy.upheld_base": f.upheld,
        }
    )
    if style == "value_first":
        # "upheld decisions" beside the remedy figures restates the upheld count.
        letter.truth["upheld.count"] = f.upheld


def _national_box(letter: Letter, f: Figures, year: str, rng: random.Random) -> None:
    """England-wide figures written in the very sentences of the body's own."""
    style = rng.choice(["flat", "structured", "sentence"])
    letter.variants.append(f"national:{style}")
    if style == "sentence":
        letter.say(
            f"Across England, {other(f.rate, rng)}% of complaints we investigated were upheld "
            f"and in {other(f.compliance, rng)}% of cases we were satisfied the Council had "
            "successfully implemented our recommendations."
        )
        return
    letter.heading("How councils across England compare")
    if style == "structured":
        letter.heading("Complaints upheld")
    letter.say(
        f"{other(f.rate, rng)}% of complaints we investigated were upheld.",
        f"This compares to an average of {other(f.peer, rng)}% in similar organisations.",
    )
    if style == "structured":
        letter.heading("Compliance with Ombudsman recommendations")
    letter.say(
        f"In {other(f.compliance, rng)}% of cases we were satisfied the Council had successfully "
        "implemented our recommendations.",
        f"Statistics are based on a total of {rng.randint(1000, 5000)} compliance outcomes "
        f"{_period(year)}",
    )


def _unknown_block(letter: Letter, f: Figures, rng: random.Random) -> None:
    letter.variants.append("unknown-block")
    letter.heading("Complaints about adult social care")
    if rng.random() < 0.5:
        # The standard sentence under a heading lgo-check does not know: not the body's rate.
        letter.say(f"{other(f.rate, rng)}% of complaints we investigated were upheld.")
    else:
        letter.say(
            f"{other(f.rate, rng)}% of complaints we investigated about adult social care "
            "were upheld."
        )
    letter.say(f"This compares to an average of {other(f.peer, rng)}% in similar organisations.")


def build(seed: int) -> tuple[str, str, Truth, list[str]]:
    """One drift letter: (file name, text, truth, variants used)."""
    rng = random.Random(seed)
    body = rng.choice(BODIES)
    year = rng.choice(["2023-24", "2024-25"])
    new = year == "2024-25"
    fmt = rng.choice(["txt", "md", "html"])
    f = draw(rng, decimals=rng.random() < 0.3)
    slug = body.lower().split()[0]
    letter = Letter(name=f"drift-{seed:03d}-{slug}-{year}.{fmt}", fmt=fmt)
    _head(letter, body, year, rng)
    national_first = rng.random() < 0.25
    if national_first:
        _national_box(letter, f, year, rng)
    if new:
        _overview(letter, f, year, rng)
    _upheld(letter, f, year, rng, new)
    if not national_first and rng.random() < 0.4:
        _national_box(letter, f, year, rng)
    _compliance(letter, f, year, rng)
    _remedy(letter, f, year, rng)
    if rng.random() < 0.3:
        _unknown_block(letter, f, rng)
    return letter.name, letter.render(), letter.truth, letter.variants


DRIFT_SEEDS = range(1, 33)


def main() -> None:
    folder = Path(__file__).resolve().parent / "drift"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("drift-*"):
        old.unlink()
    expected = []
    for seed in DRIFT_SEEDS:
        name, text, truth, variants = build(seed)
        (folder / name).write_text(text, encoding="utf-8")
        expected.append({"file": name, "variants": variants, "truth": truth})
    about = (
        "Drift letters written by tests/drift_letters.py (fictional bodies). truth: every "
        "figure of the body's own statistics, as block.field -> value; any other field is null."
    )
    (folder / "expected.json").write_text(
        json.dumps({"about": about, "letters": expected}, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
