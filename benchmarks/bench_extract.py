"""How long lgo-check takes per letter in a warm process, stage by stage (CPU time).

python benchmarks/bench_extract.py [--rounds 15] [FOLDER ...]
    (default folders: examples/ and tests/letters/)

Each stage is timed over all the letters with ``time.process_time`` (CPU time, so
other work on a shared machine counts less than with a wall clock), repeated
``--rounds`` times; the median per letter is printed. Every stage is fed the
previous stage's output, computed once beforehand, so stages are timed alone:

    load          read the file and decode it (text loaders)
    normalise     markup out, source map built
    metadata      body, recipient, dates, review year
    layout        which statistics layout the letter is in
    statistics    the statistics section read (figures, problems)
    letter        the rest of extract_letter (annual-review test, Letter model)
    narrative     the narrative concern pass (spaCy), one letter at a time, the
                  paragraphs it remembers forgotten before each round (as a run
                  starts: a paragraph repeated across the letters is read once)
    rules         every rule on the letter
    JSON / SARIF  the file's report written by the JSON / SARIF reporter

The last lines add the stages up with and without the narrative pass.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lgo_check.config import Config
from lgo_check.extract import extract_letter, extract_letters
from lgo_check.extract.layout import metadata_wording
from lgo_check.extract.metadata import extract_metadata
from lgo_check.extract.narrative import pipeline as narrative_pipeline
from lgo_check.extract.statistics import detect_layout, extract_statistics
from lgo_check.load import Limits, discover, read_source
from lgo_check.model import FileReport, ToolInfo
from lgo_check.normalise import normalise
from lgo_check.plugins import build_registry
from lgo_check.report.base import RunStart
from lgo_check.report.json_report import JsonReporter
from lgo_check.report.sarif import SarifReporter
from lgo_check.runner import Pipeline, check_letter

ROOT = Path(__file__).resolve().parent.parent


def cpu_ms(func: Callable[[], object], rounds: int) -> float:
    """Median CPU milliseconds of ``func`` over ``rounds`` runs."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    folders = args.folders or [ROOT / "examples", ROOT / "tests" / "letters"]
    rounds = args.rounds

    config = Config()
    pipeline = Pipeline(config, build_registry(config))
    pipeline.warm()
    artefacts = metadata_wording().artefacts
    remembered = narrative_pipeline(config.spacy_model, config.concern_threshold).cache
    targets = list(discover(folders, [".txt", ".md", ".html"]))
    limits = Limits()
    sources = [read_source(t, pipeline.loaders, limits.started()) for t in targets]
    norms = [normalise(s, artefacts) for s in sources]
    metas = [extract_metadata(x) for x in norms]
    layouts = [detect_layout(x.text) for x in norms]
    bare = [extract_letter(x) for x in norms]
    letters = [extract_letters([x], config.spacy_model, config.concern_threshold)[0] for x in norms]
    reports = [
        FileReport(
            path=t.display,
            format=s.format,
            letter=lt,
            findings=check_letter(lt, pipeline.rules, x, t.display)[0],
        )
        for t, s, lt, x in zip(targets, sources, letters, norms, strict=True)
    ]
    start = RunStart(tool=ToolInfo(version="0"), rules=pipeline.rule_infos())

    def render(reporter: Any) -> None:
        reporter.start(start)
        for report in reports:
            reporter.file(report)

    stages: list[tuple[str, Callable[[], object]]] = [
        (
            "load (read + decode)",
            lambda: [read_source(t, pipeline.loaders, limits.started()) for t in targets],
        ),
        ("normalise", lambda: [normalise(s, artefacts) for s in sources]),
        ("metadata", lambda: [extract_metadata(x) for x in norms]),
        ("layout", lambda: [detect_layout(x.text) for x in norms]),
        (
            "statistics",
            lambda: [
                extract_statistics(x, lay, m.body, m.review_year)
                for x, lay, m in zip(norms, layouts, metas, strict=True)
            ],
        ),
        ("extract_letter (all but narrative)", lambda: [extract_letter(x) for x in norms]),
        (
            "extract_letters (with narrative)",
            lambda: (
                remembered.clear(),
                [extract_letters([x], config.spacy_model, config.concern_threshold) for x in norms],
            ),
        ),
        (
            "rules",
            lambda: [
                check_letter(lt, pipeline.rules, x, "")
                for lt, x in zip(letters, norms, strict=True)
            ],
        ),
        ("JSON of the file's report", lambda: render(JsonReporter())),
        ("SARIF of the file's report", lambda: render(SarifReporter())),
    ]
    n = len(targets)
    ms = {label: cpu_ms(func, rounds) / n for label, func in stages}
    parts = ("metadata", "layout", "statistics")
    ms["letter (annual review, Letter model)"] = ms["extract_letter (all but narrative)"] - sum(
        ms[p] for p in parts
    )
    ms["narrative concerns (spaCy)"] = (
        ms["extract_letters (with narrative)"] - ms["extract_letter (all but narrative)"]
    )
    order = [
        "load (read + decode)",
        "normalise",
        "metadata",
        "layout",
        "statistics",
        "letter (annual review, Letter model)",
        "narrative concerns (spaCy)",
        "rules",
        "JSON of the file's report",
        "SARIF of the file's report",
    ]
    rest = (
        ms["load (read + decode)"]
        + ms["normalise"]
        + ms["extract_letter (all but narrative)"]
        + ms["rules"]
        + ms["JSON of the file's report"]
    )
    print(f"{n} letters ({len(bare)} extracted); median CPU ms per letter over {rounds} rounds:")
    for label in order:
        print(f"  {label:<40}{ms[label]:7.3f}")
    print(f"  {'whole, JSON output, without narrative':<40}{rest:7.3f}")
    print(f"  {'whole, JSON output':<40}{rest + ms['narrative concerns (spaCy)']:7.3f}")


if __name__ == "__main__":
    main()
