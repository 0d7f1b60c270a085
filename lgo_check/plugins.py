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
from lgo_check.load import Loader
from lgo_check.rule import Rule

ENTRY_POINT_GROUP = "lgo_check"
#: The name lgo-check's own plugin registers under; no other plugin may take it.
BUILTIN = "builtin"


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
    if not pm.has_plugin(BUILTIN):
        # Running from a source tree that was never installed: no entry points yet.
        from lgo_check import builtin_rules

        pm.register(builtin_rules, name=BUILTIN)
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
    for rule in sorted(candidates, key=lambda r: r.origin != BUILTIN):
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
