"""Shared fixtures for the rule, CLI, config, plugin, SARIF and GitHub tests.

Everything here is prefixed ``lgo_`` (fixtures) or ``annual_review_letter`` (the
letter writer) so that fixtures added by others do not clash.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from lgo_check import cli
from lgo_check.config import Config

# CI draws the same examples every run (derandomised), so a landing is never decided by
# a fresh random draw; developers' runs draw new examples and find what CI would not.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
LETTERS = REPO / "tests" / "letters"
EXAMPLES = REPO / "examples"

_INTRO = """\
17 July 2024

By email

Ms Harrow
Chief Executive
{body}

Dear Ms Harrow

Annual Review letter 2023-24

Please find below your annual summary of complaint statistics, prepared by the Local Government \
and Social Care Ombudsman for the year ending 31 March 2024.

Compliance with recommendations - Where fault has caused injustice we recommend how it \
should be put right. Failing to comply is unusual, and any compliance rate below 100% gives \
cause for concern.

Yours sincerely,

Morwenna Tate
Local Government and Social Care Ombudsman
"""

_UPHELD = """
Complaints upheld

{upheld_rate}% of complaints we investigated were upheld.

This compares to an average of {upheld_peer}% in similar organisations.

{upheld_count}
upheld decisions

This is {per_100k} upheld decisions per 100,000 residents.

The average for authorities of this type is {peer_per_100k} upheld decisions per 100,000 \
residents.

Statistics are based on a total of {investigations} investigations for the period between \
1 April 2023 to 31 March 2024
"""

_COMPLIANCE = """
Compliance with Ombudsman recommendations

In {compliance_rate}% of cases we were satisfied the organisation had successfully \
implemented our recommendations.

This compares to an average of {compliance_peer}% in similar organisations.

Statistics are based on a total of {outcomes} compliance outcomes for the period between \
1 April 2023 to 31 March 2024
"""

_REMEDY = """
Satisfactory remedy provided by the organisation

In {remedy_rate}% of upheld cases we found the organisation had provided a satisfactory \
remedy before the complaint reached the Ombudsman.

This compares to an average of {remedy_peer}% in similar organisations.

{remedy_count}
satisfactory remedy decisions

Statistics are based on a total of {remedy_base} upheld decisions for the period between \
1 April 2023 to 31 March 2024
"""

#: Figures of a letter that no statistics rule fires on.
CLEAN_FIGURES: dict[str, Any] = {
    "body": "Quillmere District Council",
    "upheld_rate": 50,
    "upheld_peer": 60,
    "upheld_count": 10,
    "per_100k": 2.0,
    "peer_per_100k": 3.0,
    "investigations": 20,
    "compliance_rate": 100,
    "compliance_peer": 99,
    "outcomes": 12,
    "remedy_rate": 20,
    "remedy_peer": 10,
    "remedy_count": 2,
    "remedy_base": 10,
}

#: Overrides of CLEAN_FIGURES for a consistent letter resting on 4 investigations.
SMALL_SAMPLE_FIGURES: dict[str, Any] = {
    "investigations": 4,
    "upheld_count": 2,
    "remedy_base": 2,
    "remedy_count": 0,
    "remedy_rate": 0,
    "remedy_peer": 0,
}


def annual_review_letter(
    blocks: tuple[str, ...] = ("upheld", "compliance", "remedy"), **figures: Any
) -> str:
    """A fictional 2023-24 annual review letter; ``figures`` override CLEAN_FIGURES.

    ``blocks`` chooses which statistics blocks the letter has (none: the statistics
    page is missing).
    """
    unknown = set(figures) - set(CLEAN_FIGURES)
    assert not unknown, f"unknown figures {unknown}"
    values = {**CLEAN_FIGURES, **figures}
    parts = [_INTRO]
    templates = {"upheld": _UPHELD, "compliance": _COMPLIANCE, "remedy": _REMEDY}
    parts.extend(templates[name] for name in blocks)
    return "".join(parts).format(**values)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the letter")


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def json(self) -> Any:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[:2000]!r}, err={self.err!r})"


@pytest.fixture
def lgo_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``lgo_check.cli.main`` in-process; returns exit code, stdout and stderr."""

    def invoke(*argv: str | Path) -> CliResult:
        capsys.readouterr()
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def lgo_in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work from the repository root, so reported paths are tests/letters/..., examples/..."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return REPO


@pytest.fixture
def lgo_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (with no configuration above it that matters)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return work


#: What lgo_fixture_run checks: every fixture letter, and a file that does not exist.
FIXTURE_PATHS = ("tests/letters", "examples", "tests/letters/no-such-letter.txt")


@pytest.fixture(scope="session")
def lgo_fixture_run() -> Any:
    """One engine run (default configuration) over FIXTURE_PATHS from the repository root,
    shared by the tests that only read its report (the narrative pass makes runs costly)."""
    from lgo_check.engine import build_registry, run

    config = Config()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        return run([Path(p) for p in FIXTURE_PATHS], config, build_registry(config))


#: install_plugin(dist, entry point name, module, source or None for tests/plugin_pack/)
Installer = Callable[..., Path]
PLUGIN_PACK = Path(__file__).resolve().parent / "plugin_pack"


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installer]:
    """Install a plugin distribution into a folder on sys.path, via its entry point."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install(dist: str, entry: str, module: str, source: str | None = None) -> Path:
        if source is None:
            shutil.copytree(PLUGIN_PACK / module, site / module)
        else:
            (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(
            f"[lgo_check]\n{entry} = {module}\n", encoding="utf-8"
        )
        modules.append(module)
        importlib.invalidate_caches()
        return site

    yield install
    for module in modules:
        for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
            del sys.modules[name]
