"""What a rule is: a code, a name, a default severity, documentation, options, a check.

A Python rule is a small class; its docstring is its documentation, and the
docstring's first line is its one-line summary::

    class ComplianceBelowTarget(Rule):
        \"\"\"Compliance with recommendations was below the body's own target.

        ## What it does
        ...
        \"\"\"

        code = "ACME001"
        name = "compliance-below-target"
        severity = Severity.warning

        class Options(RuleOptions):
            target: float = 100

        def check(self, letter, options):
            ...
            yield Hit(message="...", span=letter.statistics.compliance.spans["rate_pct"])

A check sees a :class:`~lgo_check.model.Letter`, never a file.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, create_model

from lgo_check.model import Letter, RuleInfo, Severity, Span

if TYPE_CHECKING:
    from pathlib import Path

    from lgo_check.declarative import RuleSpec

#: What every rule's code and name must look like (Python rules and rule files alike).
CODE_PATTERN = re.compile(r"^[A-Z]{2,8}[0-9]{3,4}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class RuleOptions(BaseModel):
    """A rule's options; config keys may use hyphens or underscores.

    A number that is not finite (``nan``, ``inf``) is refused: ``threshold = nan``
    would compare false with everything and silently switch the rule off.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


@dataclass(frozen=True)
class Hit:
    """What a rule found: the message for a person, and where the evidence is."""

    message: str
    span: Span | None = None


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    Options: ClassVar[type[RuleOptions]] = RuleOptions
    #: False for rules about the file itself, which also run on non-letters.
    needs_annual_review: ClassVar[bool] = True
    #: Where the rule came from (the plugin's name); set when it is registered.
    origin: str = "builtin"

    @property
    def doc(self) -> str:
        return inspect.cleandoc(type(self).__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0].strip()

    def options_doc(self) -> dict[str, Any]:
        """Each option (as config spells it, with hyphens) and its default."""
        return {
            name.replace("_", "-"): field.default
            for name, field in self.Options.model_fields.items()
        }

    def info(self) -> RuleInfo:
        return RuleInfo(
            code=self.code,
            name=self.name,
            severity=self.severity,
            summary=self.summary,
            doc=self.doc,
            options=self.options_doc(),
            origin=self.origin,
        )

    def check(self, letter: Letter, options: Any) -> Iterator[Hit]:
        raise NotImplementedError

    def __repr__(self) -> str:
        code = getattr(self, "code", None)
        name = getattr(self, "name", None)
        return f"<rule {code} {name}>"


def rule_problems(rule: object) -> list[str]:
    """Why ``rule`` does not meet the rule contract (empty when it does).

    The one metadata schema for every rule, Python or declarative, checked when it
    registers: a code and a kebab-case name of the right shape, a severity, a
    documentation text, an options model, and a check method.
    """
    if not isinstance(rule, Rule):
        return [f"{type(rule).__name__} is not a subclass of lgo_check.rule.Rule"]
    problems = []
    code = getattr(rule, "code", None)
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        problems.append(f"code {code!r} is not letters then 3-4 digits (like 'ACME001')")
    name = getattr(rule, "name", None)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        problems.append(f"name {name!r} is not kebab-case (like 'compliance-below-target')")
    severity = getattr(rule, "severity", None)
    if not isinstance(severity, Severity):
        problems.append(f"severity {severity!r} is not a Severity (error, warning or note)")
    try:
        doc = rule.doc
    except Exception as exc:
        doc = ""
        problems.append(f"its documentation cannot be read: {type(exc).__name__}: {exc}")
    else:
        if not isinstance(doc, str) or not doc.strip():
            problems.append("it has no documentation (a docstring whose first line is a summary)")
    options = getattr(rule, "Options", None)
    if not (isinstance(options, type) and issubclass(options, RuleOptions)):
        problems.append(f"Options {options!r} is not a subclass of RuleOptions")
    if not isinstance(getattr(rule, "needs_annual_review", None), bool):
        problems.append("needs_annual_review is not True or False")
    if type(rule).check is Rule.check:
        problems.append("it has no check method")
    return problems


class RuleFromSpec(Rule):
    """A rule whose code, name, severity, documentation and options come from a rule
    file's ``[[rule]]`` table (letter rules and trend rules alike)."""

    def __init__(self, spec: RuleSpec, source: Path) -> None:
        self.spec = spec
        self.source = source
        self.code = spec.code  # type: ignore[misc]
        self.name = spec.name  # type: ignore[misc]
        self.severity = spec.severity  # type: ignore[misc]
        self.Options = create_model(  # type: ignore[misc,call-overload]
            f"Options_{spec.code}",
            __base__=RuleOptions,
            **{key: (_option_type(default), default) for key, default in spec.options.items()},
        )

    @property
    def doc(self) -> str:
        return f"{self.spec.summary}\n\n{inspect.cleandoc(self.spec.doc)}"

    @property
    def summary(self) -> str:
        summary: str = self.spec.summary
        return summary


def _option_type(default: Any) -> Any:
    # A threshold written as 100 in the rule file may be set to 95.5 in config.
    if isinstance(default, int | float) and not isinstance(default, bool):
        return int | float
    return type(default)
