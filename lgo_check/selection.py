"""Selection: which rules run, with what severity and options (from the configuration)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from lgo_check.config import Config, ConfigError, rule_settings
from lgo_check.model import Severity
from lgo_check.plugins import Registry
from lgo_check.rule import Rule, RuleOptions


@dataclass
class ActiveRule:
    rule: Rule
    severity: Severity
    options: RuleOptions


def _specificity(selector: str, rule: Rule) -> int:
    """How closely a selector names a rule: -1 not at all, 0 ALL, prefix length, 1000 exact."""
    s = selector.strip()
    if s.upper() == "ALL":
        return 0
    if s.lower() == rule.name or s.upper() == rule.code:
        return 1000
    if rule.code.startswith(s.upper()):
        return len(s)
    return -1


def select_rules(
    registry: Registry,
    config: Config,
) -> list[ActiveRule]:
    """The rules to run, with severities and options from the configuration.

    A rule runs if a selector in select/extend-select names it more specifically
    than any selector in ignore (as in ruff: ``--select LGO2 --ignore LGO`` runs LGO2xx).
    """
    if not config.select and not config.extend_select:
        raise ConfigError(f"{config.where('select')}: is empty, so no rule would run")
    for key in ("select", "extend_select", "ignore"):
        for selector in getattr(config, key):
            if not any(_specificity(selector, r) >= 0 for r in registry.rules):
                raise ConfigError(f"{config.where(key)}: no rule matches selector '{selector}'")
    known: dict[str, tuple[str, set[str]]] = {}
    for rule in registry.rules:
        entry = (rule.code, set(rule.Options.model_fields))
        known[rule.code] = entry
        known[rule.name] = entry
    settings = rule_settings(config, known)
    # Options are checked for every configured rule, selected or not: a typo in a
    # table must not wait until the day the rule is switched on.
    configured: dict[str, tuple[Severity, RuleOptions]] = {}
    for rule in registry.rules:
        severity, options = settings.get(rule.code, (None, {}))
        try:
            parsed = rule.Options.model_validate(options)
        except ValidationError as exc:
            raise ConfigError(
                f"{config.where('rules')}.{rule.name}: "
                + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            ) from None
        configured[rule.code] = (severity or rule.severity, parsed)
    active = []
    for rule in registry.rules:
        chosen = max(
            (_specificity(s, rule) for s in [*config.select, *config.extend_select]), default=-1
        )
        dropped = max((_specificity(s, rule) for s in config.ignore), default=-1)
        if chosen >= 0 and dropped < chosen:
            active.append(ActiveRule(rule, *configured[rule.code]))
    return active
