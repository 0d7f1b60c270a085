"""ACME's rule pack for lgo-check: a tiny third-party plugin used by the tests.

Registered (in the tests) through the ``lgo_check`` entry-point group, exactly as
an installed package would be::

    [project.entry-points.lgo_check]
    acme = "acme_lgo_pack"
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lgo_check.hookspecs import hookimpl
from lgo_check.model import Letter, Severity
from lgo_check.rule import Hit, Rule, RuleOptions


class ManyUpheldDecisions(Rule):
    """More complaints were upheld than the council's own ceiling.

    ## What it does
    Flags a letter whose number of upheld decisions is above `ceiling`
    (default 30), the number ACME's clients set themselves as a ceiling.

    ## Why it matters
    A council that sets itself a ceiling wants to know when it is passed.

    ## Example
    36 upheld decisions against a ceiling of 30 fires.
    """

    code = "ACME001"
    name = "many-upheld-decisions"
    severity = Severity.warning

    class Options(RuleOptions):
        ceiling: int = 30

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        upheld = letter.statistics.upheld
        if upheld.count is not None and upheld.count > options.ceiling:
            yield Hit(
                f"{upheld.count} upheld decisions, above the ceiling of {options.ceiling}.",
                upheld.spans.get("count"),
            )


@hookimpl
def lgo_check_rules() -> list[type[Rule]]:
    return [ManyUpheldDecisions]


@hookimpl
def lgo_check_rule_paths() -> list[Path]:
    return [Path(__file__).resolve().parent / "rules.toml"]
