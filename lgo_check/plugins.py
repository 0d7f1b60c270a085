"""Plugins: the plugin manager, and the registry of what plugins provide.

Every plugin (the built-ins included) is loaded on its own: one that fails to load
or to provide its rules is reported with its name, and the run goes on without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from lgo_check import hookspecs
from lgo_check.config import Config, ConfigError
from lgo_check.declarative import RuleFileError, load_rule_paths
from lgo_check.isolation import describe, reraise_if_fatal
from lgo_check.load import Loader
from lgo_check.rule import Rule, rule_problems

ENTRY_POINT_GROUP = "lgo_check"
#: The name lgo-check's own plugin registers under; no other plugin may take it.
BUILTIN = "builtin"
BUILTIN_MODULE = "lgo_check.builtin_rules"


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
    is reported, not fatal.

    The built-in plugin is registered first, under the reserved name ``builtin``;
    a plugin that claims that name, implements a hook that does not exist (a
    misspelt name), or whose import raises or exits is reported and left out.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    errors: list[str] = []
    from lgo_check import builtin_rules

    pm.register(builtin_rules, name=BUILTIN)
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name == BUILTIN:
            if ep.value != BUILTIN_MODULE:
                errors.append(
                    f"plugin '{ep.name}' ({ep.value}) is not used: the name '{BUILTIN}' "
                    "is reserved for lgo-check's own rules; register under another name"
                )
            continue
        if pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except BaseException as exc:  # a plugin's import can raise (or exit) anything
            reraise_if_fatal(exc)
            errors.append(f"plugin '{ep.name}' ({ep.value}) could not be loaded: {describe(exc)}")
            continue
        _register(pm, plugin, ep.name, errors, f" ({ep.value})")
    for name, plugin in extra_plugins:
        if name == BUILTIN:
            errors.append(f"plugin '{name}' is not used: the name '{BUILTIN}' is reserved")
            continue
        _register(pm, plugin, name, errors)
    return pm, errors


def _register(
    pm: pluggy.PluginManager, plugin: object, name: str, errors: list[str], where: str = ""
) -> None:
    """Register one plugin, refusing it whole if any of its hooks is not a known hook."""
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # pluggy refuses a hook whose arguments do not match its spec
        errors.append(f"plugin '{name}'{where} could not be registered: {exc}")
        return
    unknown = sorted(
        caller.name for caller in pm.get_hookcallers(plugin) or [] if not caller.has_spec()
    )
    if unknown:
        pm.unregister(plugin)
        known = ", ".join(sorted(n for n in dir(hookspecs) if n.startswith("lgo_check_")))
        errors.append(
            f"plugin '{name}'{where} implements unknown hook(s) {', '.join(unknown)} "
            f"(misspelt? the hooks are: {known}); the plugin is not used"
        )


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
            except BaseException as exc:
                reraise_if_fatal(exc)
                registry.errors.append(f"plugin '{name}' failed in {hook_name}: {describe(exc)}")
        return results

    candidates: list[Rule] = []
    for name, rule_class in call("lgo_check_rules"):
        label = getattr(rule_class, "__qualname__", repr(rule_class))
        if not (isinstance(rule_class, type) and issubclass(rule_class, Rule)):
            registry.errors.append(
                f"plugin '{name}': {label} is not a rule class (a subclass of "
                "lgo_check.rule.Rule); it is not used"
            )
            continue
        try:
            rule = rule_class()
            rule.origin = name
        except BaseException as exc:
            reraise_if_fatal(exc)
            registry.errors.append(f"plugin '{name}': rule {label} failed: {describe(exc)}")
            continue
        problems = rule_problems(rule)
        if problems:
            registry.errors.append(
                f"plugin '{name}': rule {label} is invalid and not used: " + "; ".join(problems)
            )
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
    for rule in sorted(candidates, key=lambda r: r.origin != BUILTIN):
        _add_rule(registry, rule)
    try:
        for rule in load_rule_paths(config.rule_paths):
            rule.origin = str(config.source or "configuration")
            _add_rule(registry, rule)
    except RuleFileError as exc:
        raise ConfigError(str(exc)) from None
    for name, loader in call("lgo_check_loaders"):
        missing = [a for a in ("format", "extensions", "sniff", "load") if not hasattr(loader, a)]
        if missing:
            registry.errors.append(
                f"plugin '{name}': loader {loader!r} lacks {', '.join(missing)}; it is not used"
            )
            continue
        registry.loaders.append(loader)
    registry.rules.sort(key=lambda r: r.code)
    return registry


def _add_rule(registry: Registry, rule: Rule) -> None:
    problems = rule_problems(rule)
    if problems:
        registry.errors.append(
            f"rule {rule!r} from '{rule.origin}' is invalid and not used: " + "; ".join(problems)
        )
        return
    for other in registry.rules:
        if other.code == rule.code or other.name == rule.name:
            registry.errors.append(
                f"rule {rule.code} {rule.name} from '{rule.origin}' clashes with "
                f"{other.code} {other.name} from '{other.origin}'; it is not used"
            )
            return
    registry.rules.append(rule)
