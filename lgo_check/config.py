"""Configuration: ``[tool.lgo-check]`` in pyproject.toml, or lgo-check.toml, validated.

Found by walking up from the current folder; the first file that has lgo-check
settings wins. Every key is checked: a typo is an error that names the file, the
key and the nearest valid key, never a silently ignored setting.
"""

from __future__ import annotations

import difflib
import tomllib
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from lgo_check.model import Severity

FailOn = Literal["error", "warning", "note", "never"]
OutputFormat = Literal["text", "json", "sarif", "github"]


class ConfigError(Exception):
    """The configuration is invalid; the message names the file, the key and why."""


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, populate_by_name=True)

    select: list[str] = Field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    fail_on: FailOn = "error"
    format: OutputFormat = "text"
    #: Extra folders or files of declarative rules; relative to the config file.
    rule_paths: list[Path] = Field(default_factory=list)
    #: Per-rule settings keyed by code or name: ``severity`` and the rule's options.
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    max_file_bytes: int = Field(default=20_000_000, gt=0)
    max_pages: int = Field(default=50, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: An installed trained spaCy pipeline to use instead of the built-in blank one.
    spacy_model: str | None = None
    # Where the configuration came from: not keys a file can set.
    _source: Path | None = PrivateAttr(default=None)
    _table: str = PrivateAttr(default="")
    _from_command_line: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("spacy_model")
    @classmethod
    def _installed(cls, name: str | None) -> str | None:
        # Checked now, not when the first letter needs it: a typo must not end a run.
        if name is not None and not Path(name).exists() and find_spec(name) is None:
            raise ValueError(f"no installed spaCy pipeline named {name!r}")
        return name

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def table(self) -> str:
        return self._table

    @property
    def from_command_line(self) -> frozenset[str]:
        return self._from_command_line

    def with_provenance(
        self, source: Path | None, table: str = "", from_command_line: frozenset[str] = frozenset()
    ) -> Config:
        """Record the file, its table and the keys the command line set (for messages)."""
        self._source, self._table, self._from_command_line = source, table, from_command_line
        return self

    def where(self, key: str) -> str:
        """Where a setting came from, for error messages."""
        if key in self.from_command_line:
            return f"command line option --{_kebab(key)}"
        if self.source is None:
            return f"default '{_kebab(key)}'"
        return f"{self.source}: '{self.table}{_kebab(key)}'"


_ALIASES = {field.alias or name for name, field in Config.model_fields.items()}


def _explain(error: ValidationError, path: Path, table: str) -> str:
    lines = []
    valid = sorted(_ALIASES)
    for err in error.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(err["loc"][-1]), valid, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(valid)}"
            lines.append(f"{path}: unknown key '{table}{key}'{hint}")
        else:
            lines.append(f"{path}: '{table}{key}': {err['msg']}")
    return "\n".join(lines)


def load_config_file(path: Path) -> Config | None:
    """The settings in one file, or None if it has no lgo-check settings."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        section = data.get("tool", {}).get("lgo-check")
        table = "tool.lgo-check."
        if section is None:
            return None
    else:
        section, table = data, ""
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: '{table.rstrip('.')}' must be a table")
    for key in section:
        # Keys are kebab-case in files; snake_case is only for Python callers.
        if "_" in key and key.replace("_", "-") in _ALIASES:
            raise ConfigError(
                f"{path}: unknown key '{table}{key}'; did you mean '{key.replace('_', '-')}'?"
            )
    try:
        config = Config.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, table)) from None
    config.rule_paths = [(path.parent / p) for p in config.rule_paths]
    return config.with_provenance(path, table)


def find_config(start: Path) -> Config:
    """The nearest configuration at or above ``start``; the defaults if there is none."""
    for folder in (start, *start.parents):
        for name in ("lgo-check.toml", ".lgo-check.toml", "pyproject.toml"):
            candidate = folder / name
            if candidate.is_file():
                config = load_config_file(candidate)
                if config is not None:
                    return config
    return Config()


def rule_settings(
    config: Config, known: dict[str, tuple[str, set[str]]]
) -> dict[str, tuple[Severity | None, dict[str, Any]]]:
    """Per-rule (severity, options) keyed by rule code, checked against the known rules.

    ``known`` maps each code and name to (code, option names).
    """
    where = config.source or "configuration"
    prefix = f"{config.table}rules"
    settings: dict[str, tuple[Severity | None, dict[str, Any]]] = {}
    seen_as: dict[str, str] = {}
    for key, table in config.rules.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{where}: unknown rule '{prefix}.{key}'{hint}")
        code, option_names = known[key]
        if code in seen_as:
            raise ConfigError(
                f"{where}: '{prefix}.{seen_as[code]}' and '{prefix}.{key}' are the same "
                "rule; put its settings in one table"
            )
        seen_as[code] = key
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: '{prefix}.{key}' must be a table")
        severity = None
        options: dict[str, Any] = {}
        for raw_name, value in table.items():
            name = raw_name.replace("-", "_")
            if name == "severity":
                try:
                    severity = Severity(value)
                except ValueError:
                    raise ConfigError(
                        f"{where}: '{prefix}.{key}.severity' must be error, warning or note, "
                        f"not {value!r}"
                    ) from None
            elif name in option_names:
                options[name] = value
            else:
                valid = [*sorted(_kebab(o) for o in option_names), "severity"]
                close = difflib.get_close_matches(_kebab(name), valid, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else "; valid: " + ", ".join(valid)
                raise ConfigError(f"{where}: unknown key '{prefix}.{key}.{raw_name}'{hint}")
        settings[code] = (severity, options)
    return settings
