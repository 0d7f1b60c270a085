"""The whole run's cost, on a generated corpus, next to the floors it is measured against.

    python benchmarks/bench_run.py [--seed 7] [--sizes 1,100,1000,10000] [--jobs 1,2]

Prints, in one run:

- per-letter CPU cost by stage (load, normalise, extract, rules, JSON) for text and
  PDF letters in a warm process (the PDF reader's helper process counted), with the
  regex floor (read the file, pull the four headline figures with plain regular
  expressions) and the bare pypdfium2 floor (open the PDF, get each page's text),
  and the ratios; a peer prose linter, proselint, on the same text letters (with the
  ``bench`` extra installed: ``pip install -e '.[bench]'``). Text letters are
  measured twice: as a run reads them (the
  narrative pass remembers a paragraph it has read, and same-year letters repeat
  the Ombudsman's standard paragraphs; forgotten before each round), and with
  every paragraph new (forgotten before each letter), as letters in new words are;
- wall time and peak memory of the whole process tree (parent and workers: the sum
  of their proportional set sizes, PSS, polled every 20 ms) for 1, 100, 1,000 and
  10,000 letters with --jobs 1 and --jobs 2, writing SARIF to a file, with the CPU
  time per letter beyond the one-letter run (start-up taken out);
- start-up: one letter from a new process, and --version (wall and CPU time).

The corpus is generated from the seed (same seed, same files): fictional bodies,
mostly text, with Markdown, PDF and Word letters mixed in, about a third with a
concern paragraph. It is kept in the system's temporary folder between runs.
Timing targets live here, never in the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CLEAN_FIGURES, annual_review_letter  # noqa: E402
from documents import letter_to_docx, letter_to_pdf  # noqa: E402
from peer import proselint_ms_per_letter  # noqa: E402

LGO_CHECK = Path(sys.executable).with_name("lgo-check")

# Invented place names (no real council): prefix x suffix x direction x kind > 10,000.
_PREFIXES = [
    "Quill", "Brack", "Fenn", "Wyth", "Orm", "Sall", "Teff", "Marl", "Glen", "Kest",
    "Lark", "Thrush", "Cinder", "Hollow", "Ember", "Moss", "Bram", "Sorrel", "Alder", "Heron",
    "Wren", "Flint", "Tansy", "Yarrow", "Corrie",
]  # fmt: skip
_SUFFIXES = [
    "mere", "ford", "by", "wick", "holt", "stow", "combe", "dale", "hithe", "worth",
    "ley", "thorpe", "field", "brook", "ham", "side", "gate", "moor", "well", "den",
    "crest", "fold", "marsh", "ridge", "vale",
]  # fmt: skip
_DIRECTIONS = ["", "North ", "South ", "East ", "West "]
_KINDS = ["District Council", "Borough Council", "County Council", "City Council"]

#: Concern paragraphs in our own words, put after the opening paragraph.
_CONCERNS = [
    "Replies to our enquiries\n\nThis year the Council was often late in replying to our "
    "enquiries. Slow replies held up our investigations and kept complainants waiting.\n",
    "Putting things right\n\nIn two cases the Council did not carry out the remedy it had "
    "agreed with us, and we had to remind it more than once before it acted.\n",
]


def _body(index: int, rng: random.Random, order: list[int]) -> str:
    n = order[index]
    prefix = _PREFIXES[n % 25]
    suffix = _SUFFIXES[(n // 25) % 25]
    direction = _DIRECTIONS[(n // 625) % 5]
    kind = _KINDS[(n // 3125) % 4]
    return f"{direction}{prefix}{suffix} {kind}"


def _letter_text(index: int, rng: random.Random, order: list[int]) -> str:
    investigations = rng.randint(5, 80)
    upheld = rng.randint(0, investigations)
    base = max(upheld, 1)
    remedy = rng.randint(0, base)
    figures: dict[str, Any] = {
        "body": _body(index, rng, order),
        "investigations": investigations,
        "upheld_count": upheld,
        "upheld_rate": round(100 * upheld / investigations),
        "upheld_peer": rng.randint(40, 80),
        "per_100k": round(rng.uniform(0.5, 9.0), 1),
        "peer_per_100k": round(rng.uniform(1.0, 6.0), 1),
        "compliance_rate": rng.choice([100, 100, 100, 98, 95, 90]),
        "compliance_peer": rng.randint(97, 100),
        "outcomes": rng.randint(1, 40),
        "remedy_base": base,
        "remedy_count": remedy,
        "remedy_rate": round(100 * remedy / base),
        "remedy_peer": rng.randint(5, 20),
    }
    assert set(figures) == set(CLEAN_FIGURES)
    text = annual_review_letter(**figures)
    if rng.random() < 0.35:
        opening = "for the year ending 31 March 2024.\n"
        text = text.replace(opening, opening + "\n" + rng.choice(_CONCERNS), 1)
    return text


def corpus(seed: int, size: int, text_only: bool = False) -> Path:
    """``size`` letters (the first ``size`` of the seed's sequence), generated once;
    ``text_only``: the same letters, every one a text file."""
    base = Path(tempfile.gettempdir()) / f"lgo-check-bench-{seed}"
    folder = base / f"{'text-' if text_only else ''}letters-{size}"
    if folder.is_dir() and len(os.listdir(folder)) == size:
        return folder
    every = base / "all"
    every.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    order = list(range(25 * 25 * 5 * 4))
    rng.shuffle(order)
    names = []
    for index in range(size):
        roll = rng.random()
        text = _letter_text(index, rng, order)
        ext = (
            ".pdf" if roll < 0.05 else ".docx" if roll < 0.10 else ".md" if roll < 0.15 else ".txt"
        )
        if text_only:
            ext = ".txt"
        name = f"letter-{index:05d}{ext}"
        names.append(name)
        path = every / name
        if not path.exists():
            if ext == ".pdf":
                letter_to_pdf(text, path)
            elif ext == ".docx":
                letter_to_docx(text, path)
            else:
                path.write_text(text, encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name in names:
        os.link(every / name, folder / name)
    return folder


# --- per-letter stages, in this process ---------------------------------------------------


def _clock_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds() -> float:
    """CPU time of this process and of its children, live (the PDF reader's helper)
    or ended: a stage done in a helper process costs what it costs there."""
    ticks = sum(_clock_ticks(pid) for pid in _children(os.getpid()))
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ticks / os.sysconf("SC_CLK_TCK") + ended.ru_utime + ended.ru_stime


def _median_ms(
    func: Callable[[], object], rounds: int, before: Callable[[], object] = list
) -> float:
    """Median CPU milliseconds of ``func`` over ``rounds`` runs (``before`` each, untimed)."""
    times = []
    for _ in range(rounds):
        before()
        start = cpu_seconds()
        func()
        times.append(cpu_seconds() - start)
    return statistics.median(times) * 1000


HEADLINE = [
    re.compile(r"(\d+)% of complaints we investigated were upheld"),
    re.compile(r"In (\d+)% of cases we were satisfied"),
    re.compile(r"In (\d+)% of upheld cases we found"),
    re.compile(r"(\d+)\s*\nupheld decisions"),
]


def stages(folder: Path, kind: str, sample: int) -> None:
    from lgo_check.config import Config
    from lgo_check.extract import extract_letters
    from lgo_check.extract.layout import metadata_wording
    from lgo_check.extract.narrative import pipeline as narrative_pipeline
    from lgo_check.load import Limits, discover, read_source
    from lgo_check.model import FileReport, ToolInfo
    from lgo_check.normalise import normalise
    from lgo_check.plugins import build_registry
    from lgo_check.report.base import RunStart
    from lgo_check.report.json_report import JsonReporter
    from lgo_check.runner import Pipeline, check_letter

    config = Config()
    registry = build_registry(config)
    pipeline = Pipeline(config, registry)
    pipeline.warm()
    artefacts = metadata_wording().artefacts
    ext = ".pdf" if kind == "pdf" else ".txt"
    targets = [t for t in discover([folder], [ext])][:sample]
    n = len(targets)
    limits = Limits()
    sources = [read_source(t, registry.loaders, limits.started()) for t in targets]
    norms = [normalise(s, artefacts) for s in sources]
    remembered = getattr(
        narrative_pipeline(config.spacy_model, config.concern_threshold), "cache", {}
    )

    def extract_one(norm: Any) -> Any:
        return extract_letters([norm], config.spacy_model, config.concern_threshold)[0]

    def extract_all() -> list[Any]:
        return [extract_one(x) for x in norms]

    def extract_all_new() -> None:
        for x in norms:
            remembered.clear()  # as if no paragraph of this letter had been read before
            extract_one(x)

    letters = extract_all()
    reports = [
        FileReport(path=t.display, letter=lt, findings=check_letter(lt, pipeline.rules, x, "")[0])
        for t, lt, x in zip(targets, letters, norms, strict=True)
    ]
    rounds = 5 if kind == "pdf" else 7
    load = _median_ms(
        lambda: [read_source(t, registry.loaders, limits.started()) for t in targets], rounds
    )
    norm = _median_ms(lambda: [normalise(s, artefacts) for s in sources], rounds)
    # Each round a fresh run: what the narrative pass remembers is forgotten before it,
    # so a paragraph repeated across the sample's letters is read once per round.
    extract = _median_ms(extract_all, rounds, before=remembered.clear)
    extract_new = _median_ms(extract_all_new, rounds) if kind == "text" else extract
    rules = _median_ms(
        lambda: [
            check_letter(lt, pipeline.rules, x, "") for lt, x in zip(letters, norms, strict=True)
        ],
        rounds,
    )
    reporter = JsonReporter()
    reporter.start(RunStart(tool=ToolInfo(version="0"), rules=[]))
    render = _median_ms(lambda: [reporter.file(r) for r in reports], rounds)
    others = load + norm + rules + render
    whole = (others + extract) / n
    print(f"  {kind} letters ({n}), median CPU ms per letter, warm process:")
    rows = [
        ("load (read, decode or PDF text)", load),
        ("normalise", norm),
        ("extract (metadata, statistics, concerns)", extract),
    ]
    if kind == "text":
        rows.append(("  the same, every paragraph new", extract_new))
    rows += [("rules", rules), ("JSON of the file's report", render)]
    for label, value in rows:
        print(f"    {label:<42}{value / n:8.2f}")
    print(f"    {'whole pipeline':<42}{whole:8.2f}")
    wholes = [("whole pipeline", whole)]
    if kind == "text":
        whole_new = (others + extract_new) / n
        print(f"    {'  the same, every paragraph new':<42}{whole_new:8.2f}")
        wholes.append(("every paragraph new", whole_new))

        def regex_floor() -> None:
            for t in targets:
                text = t.path.read_bytes().decode("utf-8")
                for pattern in HEADLINE:
                    pattern.search(text)

        floor = _median_ms(regex_floor, rounds) / n
        ratios = ", ".join(f"{label} {value / floor:.0f}x" for label, value in wholes)
        print(f"    {'floor: read + 4 headline regexes':<42}{floor:8.3f}   ratio: {ratios}")
        texts = [t.path.read_bytes().decode("utf-8") for t in targets]
        peer = proselint_ms_per_letter(texts, rounds)
        if peer is None:
            print(f"    {'peer: proselint':<42}     n/a   (pip install -e '.[bench]')")
        else:
            speedups = ", ".join(f"{label} {peer / value:.1f}x" for label, value in wholes)
            label = "peer: proselint, default checks"
            print(f"    {label:<42}{peer:8.2f}   lgo-check faster: {speedups}")
    else:
        import pypdfium2 as pdfium

        def pdfium_floor() -> None:
            for t in targets:
                document = pdfium.PdfDocument(t.path.read_bytes())
                for page in document:
                    page.get_textpage().get_text_range()
                document.close()

        floor = _median_ms(pdfium_floor, rounds) / n
        print(
            f"    {'floor: bare pypdfium2 text of every page':<42}{floor:8.2f}   "
            f"load ratio {load / n / floor:.1f}x, whole ratio {whole / floor:.1f}x"
        )


# --- the whole process tree -------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the process ended meanwhile
            found += [int(c) for c in task.read_text().split()]
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure(argv: Sequence[str], cwd: Path) -> tuple[float, float, int, float]:
    """Wall seconds, CPU seconds and peak PSS (KiB) of the process tree running ``argv``,
    and the CPU seconds of its first process alone (the parent, without its workers)."""
    peak = 0
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            tree, stack = [], [process.pid]
            while stack:
                pid = stack.pop()
                tree.append(pid)
                stack += _children(pid)
            peak = max(peak, sum(_pss_kib(pid) for pid in tree))
            done.wait(0.02)

    watcher = threading.Thread(target=poll)
    watcher.start()
    assert process.stderr is not None
    err = process.stderr.read()
    # Ended but not yet reaped: /proc still holds its own final CPU time, apart from
    # the workers' (which its waiting for them added to its children's time).
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    wall = time.perf_counter() - start
    parent = _clock_ticks(process.pid) / os.sysconf("SC_CLK_TCK")
    process.wait()
    done.set()
    watcher.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    if process.returncode not in (0, 1):
        raise SystemExit(f"lgo-check failed ({process.returncode}): {err.decode()[-2000:]}")
    return wall, cpu, peak, parent


def whole_runs(seed: int, sizes: list[int], jobs: list[int], text_only: bool) -> None:
    kind = "text letters" if text_only else "letters of mixed formats"
    print(
        f"  whole process on {kind}, --format sarif -o FILE (wall s, CPU s of the tree,\n"
        "  peak PSS MiB; per letter: wall, and CPU beyond the one-letter run's, of the\n"
        "  tree and of the parent process alone):"
    )
    one_letter: dict[int, float] = {}
    one_parent: dict[int, float] = {}
    for size in sorted(set(sizes) | {1}):
        folder = corpus(seed, size, text_only)
        for j in jobs:
            out = folder.parent / f"out-{size}-{j}.sarif"
            wall, cpu, peak, parent = measure(
                [str(LGO_CHECK), "--isolated", "-j", str(j), "--format", "sarif", "-o", str(out),
                 folder.name],
                folder.parent,
            )  # fmt: skip
            if size == 1:
                one_letter[j] = cpu
                one_parent[j] = parent
                if 1 not in sizes:
                    continue
            per = ""
            if size > 1:
                per = (
                    f"{1000 * wall / size:7.2f} ms  "
                    f"{1000 * (cpu - one_letter[j]) / (size - 1):7.2f} ms CPU  "
                    f"{1000 * (parent - one_parent[j]) / (size - 1):7.3f} ms parent CPU"
                )
            target = ""
            if size == 10_000 and j == 2:
                met = wall <= 12 and peak / 1024 <= 300
                target = f"  (target <= 12 s, <= 300 MiB: {'met' if met else 'NOT met'})"
            print(
                f"    {size:>6} letters  -j {j}  {wall:8.2f} s  {cpu:8.2f} s CPU  "
                f"{peak / 1024:7.0f} MiB  {per}{target}"
            )


def startup(seed: int) -> None:
    folder = corpus(seed, 1)

    def best(argv: list[str], n: int) -> tuple[float, float]:
        walls, cpus = [], []
        for _ in range(n):
            wall, cpu, _, _ = measure(argv, folder)
            walls.append(wall)
            cpus.append(cpu)
        return min(walls), min(cpus)

    one = best([str(LGO_CHECK), "--isolated", "-j", "1", "."], 5)
    version = best([str(LGO_CHECK), "--version"], 10)
    bare = best([sys.executable, "-c", "pass"], 10)
    print("  start-up (best of 5-10, wall s / CPU s):")
    print(f"    one letter from a new process     {one[0]:6.3f} / {one[1]:6.3f}")
    print(f"    --version                         {version[0]:6.3f} / {version[1]:6.3f}")
    print(f"    python -c pass (for scale)        {bare[0]:6.3f} / {bare[1]:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sizes", default="1,100,1000,10000")
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--sample", type=int, default=60, help="letters per stage measurement")
    parser.add_argument(
        "--text-only",
        action="store_true",
        help="whole runs on text letters only (issue 10's 10,000-letter target is for text)",
    )
    parser.add_argument(
        "--whole-only",
        action="store_true",
        help="only the whole runs (no per-stage costs, no start-up)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs = [int(j) for j in args.jobs.split(",")]
    print(f"lgo-check benchmark, seed {args.seed}, {os.cpu_count()} CPUs")
    if args.whole_only:
        whole_runs(args.seed, sizes, jobs, args.text_only)
        return
    stage_corpus = corpus(args.seed, max(1000, args.sample * 20) if max(sizes) >= 1000 else 400)
    stages(stage_corpus, "text", args.sample)
    stages(stage_corpus, "pdf", max(5, args.sample // 4))
    whole_runs(args.seed, sizes, jobs, args.text_only)
    startup(args.seed)


if __name__ == "__main__":
    main()
