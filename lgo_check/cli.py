"""The command line: arguments -> Config -> run -> report -> exit code.

    lgo-check [check] [PATH ...]   check letters (the default command)
    lgo-check rules                list the rules
    lgo-check rule CODE|NAME       show one rule's documentation
    lgo-check report PATH... -o F  write the committee audit pack (lgo_check/pack)
    lgo-check extract PATH...      one row per letter: csv, jsonl or xlsx (lgo_check/tabulate)

Exit status: 0 no finding at or above --fail-on; 1 findings at or above it, or a
file that could not be checked; 2 a usage, configuration or internal error.

Start-up is kept light: this module imports only the standard library at the top,
so ``--version`` and ``--help`` load nothing else (no pydantic, spaCy, PDF or
plugins). Each command imports what it needs when it runs; a new subcommand is a
``"name": "module:function"`` entry in :data:`SUBCOMMANDS`, imported only when used.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from lgo_check import __version__

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up cost
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import IO, Any

    from lgo_check.baseline import Baseline
    from lgo_check.config import Config
    from lgo_check.plugins import Registry
    from lgo_check.report.base import Reporter
    from lgo_check.selection import ActiveRule

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2  # as lgo_check.summary (a test checks)

#: The report formats (lgo_check.report.FORMATS has the same names; a test checks),
#: spelt out here so that --help needs no import.
FORMAT_NAMES = ("text", "json", "jsonl", "sarif", "github", "gitlab", "junit")

#: Every subcommand, as "module:function"; the default command is check.
SUBCOMMANDS: dict[str, str] = {
    "check": "lgo_check.cli:cmd_check",
    "rules": "lgo_check.cli:cmd_rules",
    "rule": "lgo_check.cli:cmd_rule",
    "report": "lgo_check.pack:cmd_report",
    "extract": "lgo_check.tabulate:cmd_extract",  # openpyxl and the tables only when asked
}


def _path(value: str) -> Path:
    from pathlib import Path  # imported when a path is given: --version needs none

    return Path(value)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 256:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 256, not {value!r}")
    return number


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=_path,
        metavar="FILE",
        help="use this configuration file instead of searching for one",
    )
    parser.add_argument("--isolated", action="store_true", help="ignore all configuration files")


def check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lgo-check",
        description="Lint the Local Government and Social Care Ombudsman's annual review "
        "letters: extract their figures and concerns and report findings.",
        epilog="Other commands: 'lgo-check rules' lists the rules, 'lgo-check rule CODE' "
        "explains one. Exit status: 0 clean, 1 findings at or above --fail-on (or a file "
        "not checked, unless --fail-on never), 2 usage, configuration or internal error.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=_path,
        metavar="PATH",
        help="letters or folders of letters (default: the current folder)",
    )
    parser.add_argument("--format", choices=FORMAT_NAMES, help="output format (default: text)")
    parser.add_argument(
        "-o",
        "--output",
        type=_path,
        metavar="FILE",
        help="write the report to FILE instead of standard output",
    )
    parser.add_argument(
        "--select",
        type=_csv,
        metavar="RULES",
        help="rules to run: codes, code prefixes or names, comma-separated",
    )
    parser.add_argument(
        "--extend-select",
        type=_csv,
        metavar="RULES",
        default=None,
        help="rules to run in addition to those selected",
    )
    parser.add_argument("--ignore", type=_csv, metavar="RULES", help="rules not to run")
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "note", "never"),
        help="lowest severity that makes the exit status 1 (default: error)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour text output (default: auto; honours NO_COLOR)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="check N files at once in worker processes (default: one per CPU; 1: one "
        "worker, which is killed and replaced if a file gets stuck)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="check the files in lgo-check's own process, with no worker (for a debugger "
        "or profiler; compiled code that never lets go, e.g. a plugin's runaway regular "
        "expression, then hangs the run)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print the findings and nothing else: no progress bar, no closing count",
    )
    parser.add_argument(
        "--show-letters",
        action="store_true",
        help="text output: print each letter's figures before its findings",
    )
    baseline = parser.add_argument_group("acknowledged findings and CI")
    baseline.add_argument(
        "--baseline",
        type=_path,
        metavar="FILE",
        help="hide the findings this baseline file lists (see --write-baseline); "
        "its entries that match nothing any more are reported as stale",
    )
    baseline.add_argument(
        "--write-baseline",
        type=_path,
        metavar="FILE",
        help="write every current finding to FILE as acknowledged, instead of a report",
    )
    baseline.add_argument(
        "--show-acknowledged",
        action="store_true",
        help="text output: also list the findings the baseline hides, with their reasons",
    )
    baseline.add_argument(
        "--statistics",
        action="store_true",
        help="print how many findings each rule raised instead of the findings",
    )
    baseline.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even with findings (still 2 on a usage, configuration or internal error)",
    )
    _common(parser)
    parser.add_argument("--version", action="version", version=f"lgo-check {__version__}")
    return parser


def _load_config(args: argparse.Namespace) -> Config:
    from pathlib import Path

    from lgo_check.config import Config, ConfigError, find_config, load_config_file

    if args.isolated:
        return Config()
    if args.config is not None:
        if not args.config.is_file():
            raise ConfigError(f"{args.config}: no such configuration file")
        return load_config_file(args.config) or Config().with_provenance(args.config)
    return find_config(Path.cwd())


def _with_cli(config: Config, args: argparse.Namespace) -> Config:
    update: dict[str, Any] = {}
    for key in ("select", "ignore", "fail_on", "format", "jobs"):
        value = getattr(args, key)
        if value is not None:
            update[key] = value
    if args.extend_select:
        update["extend_select"] = [*config.extend_select, *args.extend_select]
    return config.model_copy(update=update).with_provenance(
        config.source, config.table, frozenset(update)
    )


def _use_color(choice: str, output: Path | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


class Progress:
    """A progress bar on standard error (tqdm): files done, rate, time left.

    Only on a terminal, only for runs of more than :attr:`FEW` files, never with
    --quiet. Report lines written to the same terminal clear the bar first.
    """

    FEW = 5

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, done: int, total: int) -> None:
        if not self.enabled or total <= self.FEW:
            return
        if self._bar is None:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread in a process that forks workers
            try:
                columns = os.get_terminal_size(sys.stderr.fileno()).columns
            except OSError:
                columns = 0
            # A terminal that reports no width (some CI consoles) would get an empty bar.
            sizing: dict[str, Any] = {"dynamic_ncols": True} if columns else {"ncols": 80}
            self._bar = tqdm(total=total, unit="file", file=sys.stderr, leave=False, **sizing)
        self._bar.update(done - self._bar.n)

    def around(self, out: IO[str]) -> IO[str]:
        """``out``, clearing the bar before each write when both share a terminal."""
        if not self.enabled or not (out.isatty() and sys.stderr.isatty()):
            return out
        return _ClearingWriter(out, self)  # type: ignore[return-value]

    def clear(self) -> None:
        if self._bar is not None:
            self._bar.clear()

    def refresh(self) -> None:
        if self._bar is not None:
            self._bar.refresh()


class _ClearingWriter:
    def __init__(self, out: IO[str], progress: Progress) -> None:
        self._out = out
        self._progress = progress

    def write(self, text: str) -> int:
        if not text:
            return 0
        self._progress.clear()
        written = self._out.write(text)
        self._out.flush()
        self._progress.refresh()
        return written

    def flush(self) -> None:
        self._out.flush()


class UsageError(Exception):
    """The command line asks for something that cannot be done."""


# The last line of a text report, the first bytes of the machine formats: what an
# earlier report by lgo-check looks like, so that it may be overwritten.
_TEXT_REPORT_END = re.compile(
    rb"(Found \d+ findings? \(.*\) in \d+ of \d+ files?\.|No findings in \d+ files?\.)"
    rb"( \d+ files? could not be checked\.)?( \d+ acknowledged\.)?\s*\Z"
)
_MACHINE_REPORT_START = (
    b'{\n  "tool": {\n    "name": "lgo-check"',
    b'{"type": "tool", "name": "lgo-check"',
    b'{\n  "$schema": "https://json.schemastore.org/sarif',
    b"::",
    b"[]",
    b'[\n  {\n    "description": ',
    b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="lgo-check"',
    b"# lgo-check baseline",
)


def _is_earlier_report(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
            handle.seek(max(0, path.stat().st_size - 400))
            tail = handle.read()
    except OSError:
        return False
    if not head.strip():
        return True
    return head.startswith(_MACHINE_REPORT_START) or bool(_TEXT_REPORT_END.search(tail))


def _check_output(output: Path, paths: Sequence[Path]) -> None:
    """Refuse an output file that is one of the inputs (it would overwrite a letter)."""
    if not output.exists():
        return
    if not output.is_file():
        raise UsageError(f"cannot write the report to {output}: it is not a regular file")
    resolved = output.resolve()
    for path in paths:
        named = path.resolve()
        inside = named.is_dir() and named in resolved.parents
        if named == resolved or (inside and not _is_earlier_report(output)):
            raise UsageError(
                f"refusing to write the report to {output}: it is one of the files "
                "being checked; choose another --output"
            )


def _output(output: Path | None) -> AbstractContextManager[IO[str]]:
    """Where the report goes: the file (created now) or standard output (left open)."""
    from contextlib import nullcontext

    if output is None:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="backslashreplace")
        return nullcontext(sys.stdout)
    try:
        return output.open("w", encoding="utf-8", errors="backslashreplace", newline="\n")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _load_baseline(args: argparse.Namespace, config: Config) -> Baseline | None:
    from lgo_check.baseline import BaselineError
    from lgo_check.baseline import load as load_baseline
    from lgo_check.config import ConfigError

    path = args.baseline if args.baseline is not None else config.baseline
    if path is None:
        return None
    try:
        return load_baseline(path)
    except BaselineError as exc:
        where = "--baseline" if args.baseline is not None else config.where("baseline")
        raise ConfigError(f"{where}: {exc}") from None


def _write_baseline(
    args: argparse.Namespace,
    config: Config,
    registry: Registry,
    paths: Sequence[Path],
    baseline: Baseline | None,
) -> int:
    """--write-baseline: run, then replace the file in one step (a failed run leaves it)."""
    import io

    from lgo_check.history import body_stage
    from lgo_check.report.baseline_writer import BaselineWriter
    from lgo_check.runner import stream
    from lgo_check.selection import select_rules

    target: Path = args.write_baseline
    _check_output(target, paths)
    writer = BaselineWriter(target.absolute().parent)
    text = io.StringIO()
    exclude = [target, *([baseline.path] if baseline is not None else [])]
    outcome = stream(
        paths,
        config,
        registry,
        writer,
        text,
        exclude=exclude,
        body_stage=body_stage(select_rules(registry, config), config.bodies.aliases),
        jobs=config.jobs,
        baseline=baseline,
        in_process=args.in_process,
    )
    for error in outcome.errors:
        print(f"lgo-check: error: {error}", file=sys.stderr)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(text.getvalue(), encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    count = len(writer.entries)
    if not args.quiet:
        print(
            f"lgo-check: wrote {count} acknowledged finding{'s' * (count != 1)} to {target}",
            file=sys.stderr,
        )
    return EXIT_ERROR if outcome.errors else EXIT_OK


def _reporter(args: argparse.Namespace, config: Config) -> Reporter:
    from lgo_check.report import make_reporter, statistics
    from lgo_check.report.base import ReportOptions

    options = ReportOptions(
        color=_use_color(args.color, args.output),
        show_letters=args.show_letters,
        fail_on=config.fail_on,
        quiet=args.quiet,
        show_acknowledged=args.show_acknowledged,
    )
    if args.statistics:
        if config.format not in statistics.FORMATS:
            raise UsageError(f"--statistics is written as text or json, not {config.format}")
        return statistics.StatisticsReporter(options, as_json=config.format == "json")
    return make_reporter(config.format, options)


def cmd_check(argv: Sequence[str]) -> int:
    args = check_parser().parse_args(argv)  # --version and --help end here, light
    from lgo_check.history import body_stage
    from lgo_check.plugins import build_registry
    from lgo_check.runner import stream
    from lgo_check.selection import select_rules
    from lgo_check.summary import exit_code

    config = _with_cli(_load_config(args), args)
    registry = build_registry(config)
    paths = args.paths or [_path(".")]
    baseline = _load_baseline(args, config)
    if args.write_baseline is not None:
        return _write_baseline(args, config, registry, paths, baseline)
    if args.output is not None:
        _check_output(args.output, paths)
    reporter = _reporter(args, config)
    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    with _output(args.output) as out, progress:
        outcome = stream(
            paths,
            config,
            registry,
            reporter,
            progress.around(out),
            progress=progress.update,
            # The report being written, and the baseline, are never read as letters.
            exclude=[
                *([args.output] if args.output is not None else []),
                *([baseline.path] if baseline is not None else []),
            ],
            body_stage=body_stage(select_rules(registry, config), config.bodies.aliases),
            jobs=config.jobs,
            baseline=baseline,
            in_process=args.in_process,
        )
        out.flush()
    for error in outcome.errors:
        print(f"lgo-check: error: {error}", file=sys.stderr)
    status = exit_code(outcome.summary, outcome.errors, config.fail_on)
    return EXIT_OK if args.exit_zero and status == EXIT_FINDINGS else status


def _rules_for_listing(args: argparse.Namespace) -> tuple[Registry, dict[str, ActiveRule]]:
    """Every rule, and the selected ones with their configured severity."""
    from lgo_check.plugins import build_registry
    from lgo_check.selection import select_rules

    config = _load_config(args)
    registry = build_registry(config)
    for error in registry.errors:
        print(f"lgo-check: error: {error}", file=sys.stderr)
    active = {a.rule.code: a for a in select_rules(registry, config)}
    return registry, active


def cmd_rules(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="lgo-check rules", description="List every rule.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    _common(parser)
    args = parser.parse_args(argv)
    registry, active = _rules_for_listing(args)
    if args.format == "json":
        listing = [
            {
                "code": r.code,
                "name": r.name,
                "severity": (active[r.code].severity if r.code in active else r.severity).value,
                "default_severity": r.severity.value,
                "summary": r.summary,
                "options": r.options_doc(),
                "origin": r.origin,
                "selected": r.code in active,
            }
            for r in registry.rules
        ]
        import json

        print(json.dumps(listing, indent=2))
    else:
        width = max((len(r.name) for r in registry.rules), default=0)
        for r in registry.rules:
            mark = " " if r.code in active else "-"
            severity = active[r.code].severity if r.code in active else r.severity
            print(f"{r.code} {mark} {r.name:<{width}}  {severity.value:<7}  {r.summary}")
    return EXIT_ERROR if registry.errors else EXIT_OK


def cmd_rule(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="lgo-check rule", description="Explain one rule.")
    parser.add_argument("rule", metavar="CODE|NAME")
    _common(parser)
    args = parser.parse_args(argv)
    registry, active = _rules_for_listing(args)
    rule = registry.find(args.rule)
    if rule is None:
        print(f"lgo-check: error: no rule '{args.rule}'; see 'lgo-check rules'", file=sys.stderr)
        return EXIT_ERROR
    print(f"# {rule.name} ({rule.code})\n")
    print(f"Default severity: {rule.severity.value}. From: {rule.origin}.")
    if rule.code not in active:
        print("Not selected by the current configuration.")
    elif active[rule.code].severity != rule.severity:
        print(f"Configured severity: {active[rule.code].severity.value}.")
    print()
    print(rule.doc)
    options = rule.options_doc()
    if options:
        print("\n## Options")
        for name, default in options.items():
            print(f"- `{name}` (default: {default!r})")
    return EXIT_ERROR if registry.errors else EXIT_OK


def _command(name: str) -> Callable[[Sequence[str]], int]:
    module, function = SUBCOMMANDS[name].split(":")
    command: Callable[[Sequence[str]], int] = getattr(importlib.import_module(module), function)
    return command


class _ConfigErrorNotLoaded(Exception):
    """Stands for ConfigError before lgo_check.config is imported (none can be raised)."""


def _config_error() -> type[Exception]:
    config = sys.modules.get("lgo_check.config")
    return config.ConfigError if config is not None else _ConfigErrorNotLoaded


def main(argv: Sequence[str] | None = None) -> int:
    from lgo_check.isolation import interrupt_handler

    argv = list(sys.argv[1:] if argv is None else argv)
    name = "check"
    if argv and argv[0] in SUBCOMMANDS:
        name = argv.pop(0)
    try:
        with interrupt_handler():
            return _command(name)(argv)
    except UsageError as exc:
        print(f"lgo-check: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`lgo-check rules | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        print("lgo-check: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # never a bare traceback, never exit 0
        if isinstance(exc, _config_error()):
            print(f"lgo-check: configuration error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        print(f"lgo-check: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("LGO_CHECK_DEBUG"):
            raise
        return EXIT_ERROR
