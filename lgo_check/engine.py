"""Check: the plugin manager, the rule registry, and running the pipeline safely.

path -> Source (load) -> NormalisedText (normalise) -> Letter (extract) -> Findings (check)

A plugin that fails to load, or a rule that raises, is reported with its name
and the run goes on; the run then counts as failed (exit 2), because a check
that did not run is not a clean result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from pydantic import ValidationError

from lgo_check import __version__, hookspecs
from lgo_check.config import Config, ConfigError, rule_settings
from lgo_check.declarative import RuleFileError, load_rule_paths
from lgo_check.extract import extract_letters
from lgo_check.extract.layout import metadata_wording
from lgo_check.load import Limits, Loader, LoadError, Target, discover, read_source
from lgo_check.model import FileReport, Finding, Letter, Report, Severity, Summary, ToolInfo
from lgo_check.normalise import NormalisedText, normalise
from lgo_check.rule import Hit, Rule, RuleOptions

ENTRY_POINT_GROUP = "lgo_check"
UNREADABLE = "unreadable-input"
BATCH_SIZE = 64


@dataclass
class ActiveRule:
    rule: Rule
    severity: Severity
    options: RuleOptions


@dataclass
class Registry:
    """Everything the plugins provide, and what went wrong providing it."""

    rules: list[Rule] = field(default_factory=list)
    loaders: list[Loader] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def find(self, key: str) -> Rule | None:
        key_lower = key.lower()
        for rule in self.rules:
            if rule.code.lower() == key_lower or rule.name.lower() == key_lower:
                return rule
        return None

    def extensions(self) -> list[str]:
        return sorted({ext for loader in self.loaders for ext in loader.extensions})


def plugin_manager(
    extra_plugins: Iterable[tuple[str, object]] = (),
) -> tuple[pluggy.PluginManager, list[str]]:
    """Load every plugin in the entry-point group, each on its own: one broken plugin
    is reported, not fatal."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    errors: list[str] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if pm.has_plugin(ep.name):
            continue
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception as exc:  # a plugin's import can raise anything
            errors.append(
                f"plugin '{ep.name}' ({ep.value}) could not be loaded: {type(exc).__name__}: {exc}"
            )
    if not pm.has_plugin("builtin"):
        # Running from a source tree that was never installed: no entry points yet.
        from lgo_check import builtin_rules

        pm.register(builtin_rules, name="builtin")
    for name, plugin in extra_plugins:
        pm.register(plugin, name=name)
    return pm, errors


def _plugin_name(pm: pluggy.PluginManager, plugin: object) -> str:
    return str(pm.get_name(plugin) or getattr(plugin, "__name__", repr(plugin)))


def build_registry(
    config: Config, extra_plugins: Iterable[tuple[str, object | ModuleType]] = ()
) -> Registry:
    """Collect rules and loaders from every plugin, and rule files from plugins and config.

    An invalid rule file named in the configuration is a configuration error
    (ConfigError); one shipped by a plugin is reported against that plugin.
    """
    pm, errors = plugin_manager(extra_plugins)
    registry = Registry(errors=errors)

    def call(hook_name: str) -> list[tuple[str, Any]]:
        results: list[tuple[str, Any]] = []
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            name = _plugin_name(pm, impl.plugin)
            try:
                results.extend((name, item) for item in impl.function() or [])
            except Exception as exc:
                registry.errors.append(
                    f"plugin '{name}' failed in {hook_name}: {type(exc).__name__}: {exc}"
                )
        return results

    candidates: list[Rule] = []
    for name, rule_class in call("lgo_check_rules"):
        try:
            rule = rule_class()
            rule.origin = name
        except Exception as exc:
            registry.errors.append(f"plugin '{name}': rule {rule_class!r} failed: {exc}")
            continue
        candidates.append(rule)
    for name, path in call("lgo_check_rule_paths"):
        try:
            for rule in load_rule_paths([Path(path)]):
                rule.origin = name
                candidates.append(rule)
        except RuleFileError as exc:
            registry.errors.append(f"plugin '{name}': {exc}")
    # Built-in rules claim their codes and names first: a plugin cannot displace them.
    for rule in sorted(candidates, key=lambda r: r.origin != "builtin"):
        _add_rule(registry, rule)
    try:
        for rule in load_rule_paths(config.rule_paths):
            rule.origin = str(config.source or "configuration")
            _add_rule(registry, rule)
    except RuleFileError as exc:
        raise ConfigError(str(exc)) from None
    for _, loader in call("lgo_check_loaders"):
        registry.loaders.append(loader)
    registry.rules.sort(key=lambda r: r.code)
    return registry


def _add_rule(registry: Registry, rule: Rule) -> None:
    for other in registry.rules:
        if other.code == rule.code or other.name == rule.name:
            registry.errors.append(
                f"rule {rule.code} {rule.name} from '{rule.origin}' clashes with "
                f"{other.code} {other.name} from '{other.origin}'; it is not used"
            )
            return
    registry.rules.append(rule)


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


def _finding(active: ActiveRule, hit: Hit, norm: NormalisedText | None) -> Finding:
    span = hit.span
    if span is None and norm is not None:
        span = norm.line_span(1, page=1 if norm.paged else None)
    return Finding(
        rule_id=active.rule.code,
        rule=active.rule.name,
        severity=active.severity,
        message=hit.message,
        line=span.line if span else 1,
        column=span.column if span else 1,
        end_line=span.end_line if span else 1,
        end_column=span.end_column if span else 1,
        page=span.page if span else None,
        # A finding about something absent has no evidence text: its fingerprint must
        # not change with whatever happens to be on line 1.
        snippet=norm.snippet(hit.span) if (norm is not None and hit.span is not None) else None,
    )


def check_letter(
    letter: Letter, rules: Sequence[ActiveRule], norm: NormalisedText | None, path: str
) -> tuple[list[Finding], list[str]]:
    """Run each rule on a letter; a rule that raises is reported and the others go on."""
    findings: list[Finding] = []
    errors: list[str] = []
    for active in rules:
        if active.rule.needs_annual_review and not letter.is_annual_review:
            continue
        try:
            hits = list(active.rule.check(letter, active.options))
        except Exception as exc:
            errors.append(
                f"{path}: rule {active.rule.code} {active.rule.name} (plugin "
                f"'{active.rule.origin}') raised {type(exc).__name__}: {exc}"
            )
            continue
        findings.extend(_finding(active, hit, norm) for hit in hits)
    findings.sort(key=lambda f: (f.page or 0, f.line or 0, f.column or 0, f.rule_id))
    return findings, errors


@dataclass
class RunResult:
    report: Report
    errors: list[str]
    #: The rules that ran, in code order.
    rules: list[Rule] = field(default_factory=list)


def run(paths: Sequence[Path], config: Config, registry: Registry) -> RunResult:
    """Check every letter under the paths and build the report."""
    rules = select_rules(registry, config)
    unreadable = next((a for a in rules if a.rule.name == UNREADABLE), None)
    limits = Limits(
        max_bytes=config.max_file_bytes,
        max_pages=config.max_pages,
        max_seconds=config.timeout_seconds,
    )
    artefacts = metadata_wording().artefacts
    targets = discover(paths, registry.extensions())
    errors = list(registry.errors)
    reports: list[FileReport] = []

    for start in range(0, len(targets), BATCH_SIZE):
        batch: list[tuple[Target, str, NormalisedText]] = []
        for target in targets[start : start + BATCH_SIZE]:
            file_limits = limits.started()
            try:
                source = read_source(target, registry.loaders, file_limits)
                norm = normalise(source, artefacts)
                file_limits.check_time("after normalising")
            except LoadError as exc:
                reports.append(_not_checked(target, str(exc), unreadable))
                continue
            except Exception as exc:  # a loader plugin's bug must not end the run
                message = f"the loader failed: {type(exc).__name__}: {exc}"
                errors.append(f"{target.display}: {message}")
                reports.append(_not_checked(target, message, unreadable))
                continue
            batch.append((target, source.format, norm))
        letters = extract_letters([norm for _, _, norm in batch], config.spacy_model)
        for (target, fmt, norm), letter in zip(batch, letters, strict=True):
            findings, rule_errors = check_letter(letter, rules, norm, target.display)
            errors.extend(rule_errors)
            reports.append(
                FileReport(path=target.display, format=fmt, letter=letter, findings=findings)
            )
    reports.sort(key=lambda r: r.path)
    report = Report(tool=ToolInfo(version=__version__), files=reports, summary=summarise(reports))
    return RunResult(report, errors, [a.rule for a in rules])


def _not_checked(target: Target, reason: str, unreadable: ActiveRule | None) -> FileReport:
    findings = []
    if unreadable is not None:
        findings.append(_finding(unreadable, Hit(f"Could not be checked: {reason}."), None))
    return FileReport(path=target.display, findings=findings, checked=False, error=reason)


def summarise(reports: Sequence[FileReport]) -> Summary:
    by_severity = Counter(f.severity.value for r in reports for f in r.findings)
    by_rule = Counter(f.rule for r in reports for f in r.findings)
    checked = sum(1 for r in reports if r.checked)
    return Summary(
        files=len(reports),
        checked=checked,
        not_checked=len(reports) - checked,
        findings=sum(by_rule.values()),
        by_severity={s.value: by_severity.get(s.value, 0) for s in Severity},
        by_rule=dict(sorted(by_rule.items())),
    )


def exit_code(result: RunResult, fail_on: str) -> int:
    """0 clean, 1 findings at or above fail-on (or a file not checked), 2 internal error."""
    if result.errors:
        return 2
    if fail_on == "never":
        return 0
    if result.report.summary.not_checked:
        return 1
    threshold = Severity(fail_on).rank
    for file in result.report.files:
        if any(f.severity.rank >= threshold for f in file.findings):
            return 1
    return 0
