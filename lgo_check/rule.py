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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from lgo_check.model import Letter, RuleInfo, Severity, Span


class RuleOptions(BaseModel):
    """A rule's options; config keys may use hyphens or underscores."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
        return f"<rule {self.code} {self.name}>"
