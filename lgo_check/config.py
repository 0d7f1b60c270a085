"""Configuration: ``[tool.lgo-check]`` in pyproject.toml, or lgo-check.toml, validated.

Found by walking up from the current folder; the first file that has lgo-check
settings wins. Every key is checked: a typo is an error that names the file, the
key and the nearest valid key, never a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
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
from lgo_check.tomlfile import TomlFileError, explain, read_toml

FailOn = Literal["error", "warning", "note", "never"]
OutputFormat = Literal["text", "json", "jsonl", "sarif", "github", "gitlab", "junit"]


class ConfigError(Exception):
    """The configuration is invalid; the message names the file, the key and why."""


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class BodiesConfig(BaseModel):
    """``[tool.lgo-check.bodies]``: how letters are grouped into bodies across years."""

    model_config = ConfigDict(extra="forbid")

    #: Old name -> current name, for renamed bodies (on top of bodies.BUILTIN_ALIASES).
    aliases: dict[str, str] = Field(default_factory=dict)

    @field_validator("aliases")
    @classmethod
    def _no_circle(cls, aliases: dict[str, str]) -> dict[str, str]:
        from lgo_check.bodies import alias_keys

        alias_keys(aliases)  # raises AliasError (a ValueError) on a circle
        return aliases


#: A spaCy pipeline installed as a package: a plain (undotted) Python package name.
_PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ReportSettings(BaseModel):
    """``[tool.lgo-check.report]``: the committee pack's cover (``lgo-check report``)."""

    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, populate_by_name=True)

    committee: str | None = None
    #: A TOML date (2024-10-15) or text ("15 October 2024").
    meeting_date: dt.date | str | None = None
    author: str | None = None


class Config(BaseModel):
    """Every setting, with its default. To add one: a field here (snake_case; files
    write it in kebab-case), with bounds, and a line in the README's table."""

    # allow_inf_nan=False: ``timeout-seconds = inf`` or ``nan`` is refused, not obeyed.
    model_config = ConfigDict(
        extra="forbid", alias_generator=_kebab, populate_by_name=True, allow_inf_nan=False
    )

    select: list[str] = Field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    fail_on: FailOn = "error"
    format: OutputFormat = "text"
    #: Extra folders or files of declarative rules; relative to the config file.
    rule_paths: list[Path] = Field(default_factory=list)
    #: Per-rule settings keyed by code or name: ``severity`` and the rule's options.
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Upper bounds keep every limit a number the reading code can use (no OverflowError).
    max_file_bytes: int = Field(default=20_000_000, gt=0, le=2_000_000_000)
    max_pages: int = Field(default=50, gt=0, le=100_000)
    timeout_seconds: float = Field(default=30.0, gt=0, le=86_400)
    #: Memory the PDF reader (PDFium, in a helper process) may use for one file.
    max_pdf_memory_mb: int = Field(default=1500, ge=100, le=1_000_000)
    #: Worker processes checking files at once (--jobs); unset: one per CPU; 1: one worker.
    jobs: int | None = Field(default=None, ge=1, le=256)
    #: An installed trained spaCy pipeline to use instead of the built-in blank one.
    spacy_model: str | None = None
    #: The concern classifier's score from which it reports a concern (0 to 1).
    concern_threshold: float = Field(default=0.5, ge=0, le=1)
    report: ReportSettings = Field(default_factory=ReportSettings)
    bodies: BodiesConfig = Field(default_factory=BodiesConfig)
    #: A baseline of acknowledged findings (lgo-check --write-baseline); relative to the
    #: config file.
    baseline: Path | None = None
    # Where the configuration came from: not keys a file can set.
    _source: Path | None = PrivateAttr(default=None)
    _table: str = PrivateAttr(default="")
    _from_command_line: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("spacy_model")
    @classmethod
    def _installed(cls, name: str | None) -> str | None:
        # Checked now, not when the first letter needs it: a typo must not end a run.
        # Checking must not run code: nothing is imported here (see spacy_pipeline_problem).
        if name is not None:
            problem = spacy_pipeline_problem(name)
            if problem:
                raise ValueError(problem)
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


def spacy_pipeline_problem(name: str) -> str | None:
    """Why ``name`` is not an installed spaCy pipeline, or None if it is one.

    A pipeline is a folder (a path, with ``config.cfg``) or an installed package,
    named as a plain package name. Nothing is imported: ``find_spec`` of a dotted
    name would import its parent package, and importing runs the package's code,
    so dotted names are refused and a package is recognised by the ``meta.json``
    every spaCy pipeline package ships beside its ``__init__.py``.
    """
    if "/" in name or "\\" in name or name.startswith("."):
        folder = Path(name)
        if (folder / "config.cfg").is_file():
            return None
        return f"{name!r} is not a spaCy pipeline folder (it has no config.cfg)"
    if not _PACKAGE_NAME.fullmatch(name):
        return (
            f"{name!r} is not a spaCy pipeline package name (a plain package name such as "
            "en_core_web_sm, without dots) nor a folder path"
        )
    try:
        spec = find_spec(name)  # top-level name: locates the package, imports nothing
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        return f"no installed spaCy pipeline named {name!r}"
    if not any((Path(folder) / "meta.json").is_file() for folder in locations):
        return f"{name!r} is an installed package but not a spaCy pipeline (it has no meta.json)"
    return None


_ALIASES = {field.alias or name for name, field in Config.model_fields.items()}


def load_config_file(path: Path) -> Config | None:
    """The settings in one file, or None if it has no lgo-check settings."""
    try:
        data = read_toml(path)
    except TomlFileError as exc:
        raise ConfigError(str(exc)) from None
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
        raise ConfigError("\n".join(explain(exc, Config, path, table))) from None
    config.rule_paths = [(path.parent / p) for p in config.rule_paths]
    if config.baseline is not None:
        config.baseline = path.parent / config.baseline
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
