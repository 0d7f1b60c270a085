"""The HTML pack in a real browser: Debian's Chromium, driven by Playwright.

Playwright's own browser download is not used (nor reachable in CI): the tests
launch the system Chromium that ``.ci/run`` installs with apt, and inject the
axe-core accessibility engine from the npm package that ``.ci/run`` installs
into ``tests/.browser`` (or from ``AXE_CORE_JS``). They skip only where there is
no Chromium; a missing axe-core is a failure, not a skip.

A screenshot and a PDF print of the pack are kept in ``tests/artefacts/``
(or ``LGO_TEST_ARTEFACTS``) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, annual_review_letter
from test_pack import letter_2024_25

from lgo_check import cli

BROWSER_DIR = REPO / "tests" / ".browser"
AXE_PACKAGE = "axe-core@4"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _chromium() -> str | None:
    configured = os.environ.get("LGO_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _axe() -> Path:
    configured = os.environ.get("AXE_CORE_JS")
    if configured:
        return Path(configured)
    script = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file() and shutil.which("npm"):
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(BROWSER_DIR),
                AXE_PACKAGE,
            ],
            check=False,
            capture_output=True,
            timeout=300,
        )
    if not script.is_file():
        pytest.fail(
            f"axe-core is needed for the accessibility check: run "
            f"'npm install --prefix {BROWSER_DIR} {AXE_PACKAGE}' or set AXE_CORE_JS"
        )
    return script


def _artefacts() -> Path:
    folder = Path(os.environ.get("LGO_TEST_ARTEFACTS", REPO / "tests" / "artefacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "Chromium is not installed (apt-get install chromium, or set LGO_CHROMIUM); "
            ".ci/run installs it, so CI runs these tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


def _quillmere(folder: Path) -> None:
    """One fictional body with letters for three years, so the pack has a trend and,
    from the 2024-25 letter, a complaint overview."""
    folder.mkdir()
    (folder / "quillmere-2023-24.txt").write_text(annual_review_letter(), encoding="utf-8")
    earlier = (
        annual_review_letter(upheld_rate=40, upheld_count=8, compliance_rate=100)
        .replace("2023-24", "2022-23")
        .replace("31 March 2024", "31 March 2023")
        .replace("1 April 2023", "1 April 2022")
        .replace("17 July 2024", "19 July 2023")
    )
    (folder / "quillmere-2022-23.txt").write_text(earlier, encoding="utf-8")
    (folder / "quillmere-2024-25.txt").write_text(letter_2024_25(), encoding="utf-8")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The pack for the examples and a two-year body, and the JSON report of the same run."""
    work = tmp_path_factory.mktemp("pack")
    _quillmere(work / "quillmere")
    paths = [str(REPO / "examples"), str(work / "quillmere")]
    out = work / "pack.html"
    report = work / "report.json"
    assert cli.main(["report", "--isolated", *paths, "-o", str(out), "--committee", "Audit"]) == 0
    assert cli.main(["--isolated", "--format", "json", *paths, "-o", str(report)]) in (0, 1)
    return out, json.loads(report.read_text(encoding="utf-8"))


def _expected_charts(report: dict[str, Any]) -> int:
    """One chart per stated statistic, one for a complaint overview, one per trend."""
    charts = 0
    bodies: dict[str, int] = {}
    # Newest first: examples/ holds earlier years' letters of some bodies.
    newest_first = sorted(
        report["files"], key=lambda f: (f["letter"] or {}).get("review_year") or "", reverse=True
    )
    for file in newest_first:
        letter = file["letter"]
        if not letter or not letter["is_annual_review"]:
            continue
        stats = letter["statistics"]
        bodies[letter["organisation"]] = bodies.get(letter["organisation"], 0) + 1
        if bodies[letter["organisation"]] > 1:
            continue  # only the newest letter of a body gets its own charts
        for block, field in (
            ("upheld", "rate_pct"),
            ("upheld", "per_100k"),
            ("compliance", "rate_pct"),
            ("remedy", "rate_pct"),
        ):
            charts += stats[block][field] is not None
        overview = stats.get("overview")
        charts += bool(overview) and any(
            v is not None for k, v in overview.items() if k not in ("status", "spans")
        )
    return charts + sum(1 for n in bodies.values() if n > 1)


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Nothing may leave the machine: anything but the file itself is refused.
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url == path.as_uri() else route.abort(),
    )
    page.goto(path.as_uri())
    return page, requests, problems


def test_page_loads_offline_without_errors(browser: Any, pack: tuple[Path, Any]) -> None:
    path, _ = pack
    page, requests, problems = _open(browser, path)
    page.wait_for_load_state("networkidle")
    assert problems == []
    assert requests == [path.as_uri()], "the pack must make no request of its own"
    page.screenshot(path=str(_artefacts() / "pack.png"), full_page=True)
    page.close()


def test_every_chart_and_table_is_there(browser: Any, pack: tuple[Path, Any]) -> None:
    path, report = pack
    page, _, _ = _open(browser, path)
    charts = page.locator("svg[role=img]")
    assert charts.count() == _expected_charts(report)
    for i in range(charts.count()):
        chart = charts.nth(i)
        # The text alternative states the figures: every bar's value is in it.
        label_ids = (chart.get_attribute("aria-labelledby") or "").split()
        alternative = " ".join(
            page.locator(f"[id='{i_d}']").text_content() or "" for i_d in label_ids
        )
        values = [t for t in chart.locator("text").all_text_contents() if t[:1].isdigit()]
        assert values and all(v in alternative for v in values), (alternative, values)
        assert chart.locator("xpath=ancestor::figure/figcaption").count() == 1
    bodies = page.locator("section.body")
    letters = {
        f["letter"]["organisation"]
        for f in report["files"]
        if f["letter"] and f["letter"]["is_annual_review"]
    }
    assert bodies.count() == len(letters)
    for i in range(bodies.count()):
        tables = bodies.nth(i).locator("table")
        assert tables.count() >= 3  # summary, statistics, trend
        for t in range(tables.count()):
            assert tables.nth(t).locator("thead th[scope=col]").count() >= 2
    assert page.locator("#index table tbody tr").count() == len(letters)
    # Status marks carry a word, not colour alone.
    for status in page.locator(".status").all_text_contents():
        assert any(w in status for w in ("Red", "Amber", "Green", "Not stated", "Not applicable"))
    page.close()


@pytest.mark.parametrize("media", ["screen", "print"])
def test_accessibility_wcag_21_aa(browser: Any, pack: tuple[Path, Any], media: str) -> None:
    path, _ = pack
    page, requests, _ = _open(browser, path)
    page.emulate_media(media=media)
    page.add_script_tag(path=str(_axe()))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))
            }));
        }""",
        WCAG_21_AA,
    )
    assert violations == [], json.dumps(violations, indent=2)
    assert requests == [path.as_uri()]
    page.close()


def test_prints_on_a4_with_each_body_on_a_new_page(browser: Any, pack: tuple[Path, Any]) -> None:
    path, _ = pack
    page, _, _ = _open(browser, path)
    page.emulate_media(media="print")
    breaks = page.locator("section.body").evaluate_all(
        "sections => sections.map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks and set(breaks) == {"page"}
    pdf = page.pdf(prefer_css_page_size=True)
    (_artefacts() / "pack.pdf").write_bytes(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages > len(breaks)
    # A4 is 595 x 842 points.
    assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox [0 0 594.9" in pdf
    page.close()


def test_chart_alternative_states_the_letters_figures(browser: Any, pack: tuple[Path, Any]) -> None:
    path, report = pack
    glenhallow = next(f for f in report["files"] if f["path"].endswith("glenhallow-cc-2023-24.txt"))
    compliance = glenhallow["letter"]["statistics"]["compliance"]
    page, _, _ = _open(browser, path)
    section = page.locator("section.body", has_text="Glenhallow County Council")
    names = section.locator("svg[role=img]").evaluate_all(
        "charts => charts.map(c => c.querySelector('desc').textContent)"
    )
    assert any(
        f"{compliance['rate_pct']}%" in n and f"{compliance['peer_average_pct']}%" in n
        for n in names
    ), names
    page.close()
