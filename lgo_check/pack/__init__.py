"""``lgo-check report``: the committee audit pack, as HTML, Word or Markdown.

    lgo-check report PATH... -o FILE [--format html|docx|md]
                     [--committee NAME] [--meeting-date DATE] [--author NAME]

The letters are checked exactly as ``lgo-check check`` would; the pack then
presents each body's figures, concerns and findings in the order a committee
report uses. Exit status: 0 written; 1 written, but a file could not be checked;
2 a usage, configuration or internal error (nothing written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from lgo_check import __version__
from lgo_check.config import Config
from lgo_check.pack.content import Cover, Pack, build_pack

PACK_FORMATS = ("html", "docx", "md")
_EXTENSIONS = {".html": "html", ".htm": "html", ".docx": "docx", ".md": "md", ".markdown": "md"}


class PackError(Exception):
    """The pack cannot be written as asked."""


def report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lgo-check report",
        description="Write the committee audit pack for the letters under the paths: "
        "a summary with a status per statistic, the statistics against similar bodies, "
        "the Ombudsman's concerns, every finding with why it matters, caveats, the trend "
        "and draft recommendations.",
        epilog="Cover fields may also be set in [tool.lgo-check.report] (committee, "
        "meeting-date, author). Exit status: 0 written; 1 written but a file could not be "
        "checked; 2 usage, configuration or internal error.",
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="letters or folders of letters"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="the file to write; its extension (.html, .docx, .md) chooses the format",
    )
    parser.add_argument(
        "--format",
        choices=PACK_FORMATS,
        help="html, docx or md (default: from the output file's extension, else html)",
    )
    parser.add_argument("--committee", metavar="NAME", help="the committee the pack is for")
    parser.add_argument("--meeting-date", metavar="DATE", help="the date of the meeting")
    parser.add_argument("--author", metavar="NAME", help="the officer who wrote the report")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="use this configuration file instead of searching for one",
    )
    parser.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    return parser


def choose_format(output: Path | None, requested: str | None) -> str:
    if requested is not None:
        return requested
    if output is None:
        return "html"
    chosen = _EXTENSIONS.get(output.suffix.lower())
    if chosen is None:
        raise PackError(
            f"cannot tell the format from '{output.name}': use .html, .docx or .md, "
            "or give --format html|docx|md"
        )
    return chosen


def _date_text(value: dt.date | str | None) -> str | None:
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    return value


def cover_from(config: Config, args: argparse.Namespace) -> Cover:
    """Options win over the configuration's [tool.lgo-check.report]."""
    settings = config.report
    return Cover(
        committee=args.committee or settings.committee,
        meeting_date=args.meeting_date or _date_text(settings.meeting_date),
        author=args.author or settings.author,
    )


def render_pack(pack: Pack, fmt: str) -> bytes:
    if fmt == "html":
        from lgo_check.pack.html import render_html

        return render_html(pack).encode("utf-8")
    if fmt == "md":
        from lgo_check.pack.markdown import render_markdown

        return render_markdown(pack).encode("utf-8")
    from lgo_check.pack.word import render_docx

    return render_docx(pack)


def cmd_report(argv: Sequence[str]) -> int:
    """Run the checks, build the pack and write it; returns the exit status."""
    from lgo_check.engine import build_registry, run
    from lgo_check.history import merge_into

    args = report_parser().parse_args(argv)
    try:
        fmt = choose_format(args.output, args.format)
        if fmt == "docx" and args.output is None:
            raise PackError("a Word pack needs an output file: give -o FILE.docx")
    except PackError as exc:
        print(f"lgo-check: error: {exc}", file=sys.stderr)
        return 2
    from lgo_check.cli import _load_config  # one way to find the configuration

    config = _load_config(args)
    registry = build_registry(config)
    result = run(args.paths or [Path(".")], config, registry)
    # Findings over a body's years (trend rules) go in the sections of the letters they are on.
    merge_into(result.report.files, result.report.body_findings)
    for error in result.errors:
        print(f"lgo-check: error: {error}", file=sys.stderr)
    files = result.report.files
    if args.output is not None:
        # A pack written into the folder it reports on is not a letter the next time.
        written = args.output.resolve()
        files = [f for f in files if Path(f.path).resolve() != written]
    pack = build_pack(
        files,
        result.rules,
        cover_from(config, args),
        __version__,
        aliases=config.bodies.aliases,
        bodies=result.report.bodies,
    )
    data = render_pack(pack, fmt)
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        try:
            args.output.write_bytes(data)
        except OSError as exc:
            print(
                f"lgo-check: error: cannot write {args.output}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
        print(
            f"lgo-check: wrote the {fmt} pack for {len(pack.bodies)} "
            f"bod{'y' if len(pack.bodies) == 1 else 'ies'} to {args.output}",
            file=sys.stderr,
        )
    if result.errors:
        return 2
    return 1 if result.report.summary.not_checked else 0
