"""PDF reading cost against the floor of bare pypdfium2 text extraction of the same pages.

python benchmarks/bench_pdf.py [--rounds N] [--compare OLD_PDF_MODULE.py] [PDF ...]
python benchmarks/bench_pdf.py --drift [--seeds FIRST-LAST]

``--drift`` instead lays out the plain-text drift letters (``tests/drift/*.txt``) as
PDFs, their tables drawn as text positions only (``tests/test_pdf_drift.py``), and
prints their figures right, empty and wrong, and empty ones no finding names; with
``--seeds``, the same for the plain-text letters ``tests/drift_letters.py`` writes
from those seeds (as the Hypothesis property in ``tests/test_pdf_drift.py`` draws them).

Without PDFs it lays out the test letters (tests/letters/*.txt) as PDFs the way
tests/documents.py does, three or four pages each. Every round reads every letter
once with each reader, the readers interleaved so that load on the machine hits
all of them alike; it prints the median round per letter, in CPU time (this
process, plus the helper process where there is one) and in wall time:

- floor: open the document, and for each page load PDFium's text page and take
  its text (``get_text_range``): the least any PDF reader must do;
- in-process: ``PdfLoader.load`` reading in this process (reading order rebuilt):
  the cost the reading order adds to the floor;
- helper: ``PdfLoader.load`` as lgo-check runs it, PDFium in a helper process
  that is stopped at the memory and time limits (adds the round trip); its CPU
  time is this process's plus the helper's (``/proc/PID/schedstat``);
- with ``--compare``, the same for another version of ``lgo_check/load/pdf.py``
  (e.g. ``git show OLDREV:lgo_check/load/pdf.py > /tmp/old_pdf.py``), in process.

The shared 2-core machine makes wall times noisy; CPU times are the steadier figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2

from lgo_check.load import Limits
from lgo_check.load.pdf import PdfLoader

ROOT = Path(__file__).resolve().parent.parent


def helper_cpu_seconds() -> float:
    """CPU time the PDF helper process has used so far (0 if there is none)."""
    from lgo_check.load import pdfworker

    helper = pdfworker._helper
    if helper is None:
        return 0.0
    try:
        with open(f"/proc/{helper.process.pid}/schedstat", "rb") as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def rounds_ms(
    funcs: dict[str, Callable[[], object]], rounds: int
) -> dict[str, tuple[float, float]]:
    """(CPU, wall) of the median round of each function, in ms; rounds interleaved."""
    cpu: dict[str, list[float]] = {name: [] for name in funcs}
    wall: dict[str, list[float]] = {name: [] for name in funcs}
    for func in funcs.values():
        func()
    for _ in range(rounds):
        for name, func in funcs.items():
            helper, own, started = helper_cpu_seconds(), time.process_time(), time.perf_counter()
            func()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - own + helper_cpu_seconds() - helper)
    return {
        name: (statistics.median(cpu[name]) * 1000, statistics.median(wall[name]) * 1000)
        for name in funcs
    }


def floor(data: bytes) -> None:
    document = pypdfium2.PdfDocument(data)
    for page in document:
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    document.close()


def test_letter_pdfs(folder: Path) -> list[Path]:
    sys.path.insert(0, str(ROOT / "tests"))
    from documents import letter_to_pdf

    out = []
    for letter in sorted((ROOT / "tests" / "letters").glob("*.txt")):
        text = letter.read_bytes().decode("utf-8", "replace")
        out.append(letter_to_pdf(text, folder / (letter.stem + ".pdf")))
    return out


def loader_from(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("compared_pdf", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compared_pdf"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.PdfLoader()


def drift(seeds: range | None = None) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from drift_letters import build
    from test_drift import wrong_and_unnamed
    from test_pdf_drift import DRIFT, _plain_drift_letters, read_pdf_letter

    letters = [
        ((DRIFT / entry["file"]).read_text(encoding="utf-8"), entry["truth"], entry["file"])
        for entry in _plain_drift_letters()
    ]
    title = "plain-text drift letters as PDFs"
    if seeds is not None:
        # The letters tests/drift_letters.py writes from these seeds (plain text only).
        built = ((seed, *build(seed)) for seed in seeds)
        letters = [
            (text, truth, f"seed {seed}")
            for seed, name, text, truth, _ in built
            if name.endswith(".txt")
        ]
        title = f"drift letters of seeds {seeds.start}-{seeds.stop - 1} as PDFs"
    counts = {"letters": 0, "right": 0, "empty": 0, "wrong": 0, "unnamed gaps": 0}
    failing = []
    with tempfile.TemporaryDirectory() as tmp:
        for text, truth, name in letters:
            letter, messages = read_pdf_letter(text, Path(tmp) / "letter.pdf")
            stats = letter.statistics.model_dump()
            counts["letters"] += 1
            for path, want in truth.items():
                block, field = path.split(".")
                got = (stats.get(block) or {}).get(field)
                counts["right" if got == want else "empty" if got is None else "wrong"] += 1
            wrong, unnamed = wrong_and_unnamed(letter, messages, truth)
            counts["wrong"] += len([w for w in wrong if "is None" in w])  # not in the truth
            counts["unnamed gaps"] += len(unnamed)
            if wrong or unnamed:
                failing.append(name)
    print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if failing:
        print("  with a wrong figure or an unnamed gap: " + ", ".join(failing))


def main() -> None:
    if "--drift" in sys.argv[1:]:
        drift()
        if "--seeds" in sys.argv:
            first, last = sys.argv[sys.argv.index("--seeds") + 1].split("-")
            drift(range(int(first), int(last) + 1))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", type=Path, help="another version of lgo_check/load/pdf.py")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("pdfs", nargs="*", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = args.pdfs or test_letter_pdfs(Path(tmp))
        files = [(pdf, pdf.read_bytes()) for pdf in pdfs]
        pages = [len(pypdfium2.PdfDocument(data)) for _, data in files]
        in_process = PdfLoader()
        in_process.isolated = False
        loaders = {"in-process": in_process, "helper": PdfLoader()}
        if args.compare:
            compared = loader_from(args.compare)
            compared.isolated = False
            loaders["compared"] = compared

        def reading(loader: Any) -> Callable[[], object]:
            return lambda: [
                loader.load(pdf, data, pdf.name, Limits().started()) for pdf, data in files
            ]

        funcs: dict[str, Callable[[], object]] = {
            "floor": lambda: [floor(data) for _, data in files],
            **{name: reading(loader) for name, loader in loaders.items()},
        }
        measured = rounds_ms(funcs, args.rounds)
    n = len(files)
    print(
        f"{n} PDF letters, {min(pages)}-{max(pages)} pages; per letter, warm process, "
        f"median of {args.rounds} rounds"
    )
    base_cpu, base_wall = measured["floor"]
    for name, (cpu, wall) in measured.items():
        print(
            f"  {name:<11} CPU {cpu / n:6.2f} ms  {cpu / base_cpu:5.2f}x the floor   "
            f"wall {wall / n:6.2f} ms  {wall / base_wall:5.2f}x"
        )


if __name__ == "__main__":
    main()
