"""PDF reading cost against the floor of bare pypdfium2 text extraction of the same pages.

python benchmarks/bench_pdf.py [--compare OLD_PDF_MODULE.py] [PDF ...]

Without PDFs it lays out the test letters (tests/letters/*.txt) as PDFs the way
tests/documents.py does, three or four pages each. For each letter it times, in a
warm process (median of 15 rounds):

- floor: open the document, and for each page load PDFium's text page and take
  its text (``get_text_range``): the least any PDF reader must do;
- in-process: ``PdfLoader.load`` reading in this process (reading order rebuilt,
  source map kept): the cost the reading order adds to the floor;
- helper: ``PdfLoader.load`` as lgo-check runs it, PDFium in a helper process
  that is stopped at the memory and time limits (adds the round trip);
- with ``--compare``, the same for another version of ``lgo_check/load/pdf.py``
  (e.g. ``git show OLDREV:lgo_check/load/pdf.py > /tmp/old_pdf.py``).

It prints the medians over the letters and the ratio to the floor.
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


def median_ms(funcs: list[Callable[[], object]], rounds: int = 15) -> list[float]:
    """Median time of each function; rounds interleaved, so load on the machine hits all."""
    times: list[list[float]] = [[] for _ in funcs]
    for func in funcs:
        func()
    for _ in range(rounds):
        for func, own in zip(funcs, times, strict=True):
            start = time.perf_counter()
            func()
            own.append(time.perf_counter() - start)
    return [statistics.median(own) * 1000 for own in times]


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", type=Path, help="another version of lgo_check/load/pdf.py")
    parser.add_argument("pdfs", nargs="*", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = args.pdfs or test_letter_pdfs(Path(tmp))
        in_process = PdfLoader()
        in_process.isolated = False
        loaders = {"in-process": in_process, "helper": PdfLoader()}
        if args.compare:
            loaders["compared"] = loader_from(args.compare)
        rows: dict[str, list[float]] = {"floor": [], **{name: [] for name in loaders}}
        pages = []
        for pdf in pdfs:
            data = pdf.read_bytes()
            pages.append(len(pypdfium2.PdfDocument(data)))
            funcs: list[Callable[[], object]] = [lambda data=data: floor(data)]
            funcs += [
                lambda loader=loader, pdf=pdf, data=data: loader.load(
                    pdf, data, pdf.name, Limits().started()
                )
                for loader in loaders.values()
            ]
            for name, measured in zip(rows, median_ms(funcs), strict=True):
                rows[name].append(measured)
    print(f"{len(pdfs)} PDF letters, {min(pages)}-{max(pages)} pages; per letter, warm process")
    base = statistics.median(rows["floor"])
    for name, times in rows.items():
        ratio = statistics.median(t / f for t, f in zip(times, rows["floor"], strict=True))
        print(f"  {name:<11} median {statistics.median(times):6.2f} ms   {ratio:5.2f}x the floor")
    print(f"  (floor: median {base:.2f} ms)")


if __name__ == "__main__":
    main()
