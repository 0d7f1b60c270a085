"""The scaled fuzz run: mutated letters through the CLI in batches, counting every failure.

python benchmarks/fuzz_run.py [-n 10000] [--batch 100] [--seed 1] [--timeout 300]
                              [--keep DIR] [-- EXTRA CLI ARGUMENTS]

Letters from tests/letters and examples/ are mutated (hostile bytes inserted,
huge lines, runs of newlines and whitespace, control and bidirectional
characters, repeated headings, truncation, figures too large or not finite,
paragraphs shuffled or dropped, other formats' signatures in front, hostile file
names) and written in folders of ``--batch`` letters. Every folder is checked by
one run of ``python -m lgo_check --format json`` (every other batch under
``LC_ALL=C``), and the run counts:

- crash: exit status 2 (or anything but 0 and 1), or a Python traceback on stderr;
- hang: the batch did not finish within ``--timeout`` seconds;
- non-JSON: stdout is not strict JSON (NaN or Infinity count as not JSON);
- lost report: the report lacks a file of the batch, or has one it was not given.

It prints one line per failing batch and the totals; ``--keep`` keeps the failing
batches' folders (letters, stdout, stderr) for a look. Deterministic from the seed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED_FOLDERS = [ROOT / "tests" / "letters", ROOT / "examples"]

HOSTILE = [
    "\x00",
    "\x1b[31m",
    "\x07",
    "\x85",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\r",
    "\x0c",
    "\u2028",
    "::error file=x.txt::forged\n",
    "\U0001d400",
    "\U0001f600",
    "%",
    "{",
    "}",
    "<p>",
    "</td>",
    "<!--",
]
HOSTILE_BYTES = [b"\xff", b"\xfe", b"\xed\xa0\x80", b"\xc3", b"\x92", b"\x00\x00", b"\x80\x81"]
HEADINGS = [
    "Annual Review letter 2023-24",
    "Complaints upheld",
    "Compliance with Ombudsman recommendations",
    "Satisfactory remedy provided by the authority",
    "Your annual complaints statistics",
]
BIG_NUMBERS = [
    "1e999",
    "99999999999999999999999999999999",
    "NaN",
    "inf",
    "-0",
    "100.000000000000000001",
    "1,000,000,000,000",
    "٣",
    "12\u00a0345",
]
SIGNATURES = [b"%PDF-1.7\n", b"PK\x03\x04", b"<!DOCTYPE html><html>", b"\xef\xbb\xbf", b"\xff\xfe"]


def _insert(text: str, rng: random.Random, piece: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + piece + text[at:]


def hostile_characters(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 12)):
        text = _insert(text, rng, rng.choice(HOSTILE))
    return text


def huge_line(text: str, rng: random.Random) -> str:
    unit = rng.choice(["a", "word ", "72% ", "the Council ", " ", "\t", "Complaints upheld "])
    length = rng.choice([2_000, 20_000, 20_000, 100_000])
    return _insert(text, rng, unit * (length // len(unit)))


def many_newlines(text: str, rng: random.Random) -> str:
    piece = rng.choice(["\n", "\r\n", " \n", "\n\n\t", "\u2028"]) * rng.choice([100, 1_000, 10_000])
    return _insert(text, rng, piece)


def repeated_headings(text: str, rng: random.Random) -> str:
    heading = rng.choice(HEADINGS)
    return _insert(text, rng, ("\n" + heading + "\n") * rng.choice([10, 200, 2_000]))


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(max(len(text), 1))]


def big_numbers(text: str, rng: random.Random) -> str:
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    for _ in range(rng.randint(1, 5)):
        if not digits:
            break
        at = rng.choice(digits)
        text = text[:at] + rng.choice(BIG_NUMBERS) + text[at + 1 :]
        digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    return text


def shuffle_paragraphs(text: str, rng: random.Random) -> str:
    paragraphs = text.split("\n\n")
    if rng.random() < 0.5:
        rng.shuffle(paragraphs)
    else:
        for _ in range(rng.randint(1, 3)):
            if len(paragraphs) > 1:
                paragraphs.pop(rng.randrange(len(paragraphs)))
    return "\n\n".join(paragraphs)


def duplicate(text: str, rng: random.Random) -> str:
    return text * rng.choice([2, 5, 20])


TEXT_MUTATIONS: list[Callable[[str, random.Random], str]] = [
    hostile_characters,
    hostile_characters,
    huge_line,
    many_newlines,
    repeated_headings,
    truncate,
    big_numbers,
    big_numbers,
    shuffle_paragraphs,
    duplicate,
]


def mutate(text: str, rng: random.Random) -> bytes:
    for _ in range(rng.choice([1, 1, 2, 3])):
        text = rng.choice(TEXT_MUTATIONS)(text, rng)
    encoding = rng.choice(["utf-8"] * 6 + ["cp1252", "utf-16", "latin-1"])
    data = text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")
    roll = rng.random()
    if roll < 0.08:
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data) + 1)
            data = data[:at] + rng.choice(HOSTILE_BYTES) + data[at:]
    elif roll < 0.13:
        data = rng.choice(SIGNATURES) + data
    elif roll < 0.15:
        data = bytes(rng.randrange(256) for _ in range(rng.choice([10, 1000, 20_000])))
    return data


def file_name(number: int, rng: random.Random, suffix: str) -> bytes:
    """A file name: mostly plain, sometimes hostile (new line, escapes, not UTF-8)."""
    base = f"letter-{number:05d}".encode()
    roll = rng.random()
    if roll < 0.03:
        base += b"\n::error file=forged.txt::forged"
    elif roll < 0.06:
        base += b"-\xff\xfe-latin1-\xe9"
    elif roll < 0.08:
        base += "-\u202e-\x1b[2J-\u2019".encode()
    elif roll < 0.10:
        base += b" with spaces %25 ,:"
    return base + rng.choice([suffix] * 8 + [".pdf", ".docx", ".html", ".md"]).encode()


def strict_json(text: str) -> Any:
    """The parsed report; ValueError for NaN, Infinity, or a string no UTF-8 can hold."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    report = json.loads(text, parse_constant=refuse)
    # A lone surrogate (\udcff from a file name that is not UTF-8) parses in Python but
    # not in stricter readers: it is not a Unicode character.
    json.dumps(report, ensure_ascii=False).encode("utf-8")
    return report


def check_batch(
    folder: Path, names: set[str], env: dict[str, str], timeout: float, extra: list[str]
) -> tuple[list[str], str, str]:
    """The problems of one batch run, with its stdout and stderr."""
    command = [sys.executable, "-m", "lgo_check", "--format", "json", *extra, "."]
    try:
        run = subprocess.run(
            command, cwd=folder, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        err = (exc.stderr or b"").decode("utf-8", "replace")
        return ["hang"], out, err
    out = run.stdout.decode("utf-8", "replace")
    err = run.stderr.decode("utf-8", "replace")
    problems = []
    if run.returncode not in (0, 1) or "Traceback (most recent call last)" in err:
        problems.append(f"crash (exit {run.returncode})")
    try:
        report = strict_json(run.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        problems.append("non-JSON")
        return problems, out, err
    reported = [str(f.get("path")) for f in report.get("files", [])]
    # Hostile names are shown escaped; plain ones exactly. Every file has one entry.
    plain = {name for name in names if name.isprintable() and name.isascii()}
    missing = len(plain - set(reported))
    if len(reported) != len(names) or missing:
        problems.append(f"lost report ({len(names)} files, {len(reported)} reported)")
    return problems, out, err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="mutated letters (default 10000)")
    parser.add_argument("--batch", type=int, default=100, help="letters per run (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per batch")
    parser.add_argument("--keep", type=Path, help="copy failing batches here")
    parser.add_argument("extra", nargs="*", help="more CLI arguments (after --)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seeds = [
        (path.suffix, path.read_bytes().decode("utf-8", "replace"))
        for folder in SEED_FOLDERS
        for path in sorted(folder.iterdir())
        if path.suffix in (".txt", ".md", ".html")
    ]
    totals = {"crash": 0, "hang": 0, "non-JSON": 0, "lost report": 0}
    failing = 0
    started = time.monotonic()
    batches = (args.n + args.batch - 1) // args.batch
    with tempfile.TemporaryDirectory(prefix="lgo-fuzz-") as tmp:
        for number in range(batches):
            folder = Path(tmp) / f"batch-{number:04d}"
            folder.mkdir()
            names: set[bytes] = set()
            count = min(args.batch, args.n - number * args.batch)
            for item in range(count):
                suffix, text = rng.choice(seeds)
                name = file_name(number * args.batch + item, rng, suffix)
                (Path(os.fsdecode(bytes(folder))) / os.fsdecode(name)).write_bytes(
                    mutate(text, rng)
                )
                names.add(name)
            env = dict(os.environ)
            if number % 2:
                env["LC_ALL"] = "C"
            shown = {os.fsdecode(name) for name in names}
            problems, out, err = check_batch(folder, shown, env, args.timeout, args.extra)
            for problem in problems:
                totals[problem.split(" (")[0]] += 1
            if problems:
                failing += 1
                print(
                    f"batch {number}: {', '.join(problems)}; stderr: {err.strip()[-300:]!r}",
                    flush=True,
                )
                if args.keep:
                    kept = args.keep / folder.name
                    shutil.copytree(folder, kept, dirs_exist_ok=True)
                    (kept / "_stdout.txt").write_text(out, "utf-8")
                    (kept / "_stderr.txt").write_text(err, "utf-8")
            shutil.rmtree(folder)
            if (number + 1) % 10 == 0:
                done = min((number + 1) * args.batch, args.n)
                print(
                    f"  {done} letters, {time.monotonic() - started:.0f} s: failing batches "
                    f"{failing}; {totals}",
                    flush=True,
                )
    elapsed = time.monotonic() - started
    print(
        f"{args.n} mutated letters in {batches} batches of {args.batch}, {elapsed:.0f} s: "
        f"{failing} failing batches; crashes {totals['crash']}, hangs {totals['hang']}, "
        f"non-JSON {totals['non-JSON']}, lost reports {totals['lost report']}"
    )
    sys.exit(1 if failing else 0)


if __name__ == "__main__":
    main()
