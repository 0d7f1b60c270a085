"""Third-party rule packs, registered through the ``lgo_check`` entry-point group.

Each test installs its plugins the way pip would leave them: a ``*.dist-info``
folder with ``entry_points.txt`` on ``sys.path`` beside the plugin's module, so
``importlib.metadata.entry_points`` finds them. The ACME pack is in
tests/plugin_pack/; broken plugins are written here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Installer, annual_review_letter

from lgo_check.config import Config
from lgo_check.engine import build_registry

#: Upheld 36 (above ACME001's ceiling of 30) and 12 compliance outcomes (below ACME101's 15).
ACME_FIGURES = {
    "upheld_rate": 72,
    "upheld_peer": 74,
    "upheld_count": 36,
    "investigations": 50,
    "remedy_base": 36,
    "remedy_count": 4,
    "remedy_rate": 11,
    "compliance_rate": 95,  # and compliance-below-100, compliance-below-peer-average
}

EXPLODING = '''
from lgo_check.hookspecs import hookimpl
from lgo_check.model import Severity
from lgo_check.rule import Rule


class Explodes(Rule):
    """A rule with a bug in it."""

    code = "EXPL001"
    name = "explodes-on-letters"
    severity = Severity.error

    def check(self, letter, options):
        yield from ()
        raise ZeroDivisionError("the rule divided by the number of public reports")


@hookimpl
def lgo_check_rules():
    return [Explodes]
'''


@pytest.fixture
def acme(install_plugin: Installer) -> None:
    install_plugin("acme-pack", "acme", "acme_lgo_pack")


@pytest.fixture
def letter(lgo_workdir: Path) -> str:
    text = annual_review_letter(**ACME_FIGURES)
    (lgo_workdir / "quillmere.txt").write_text(text, encoding="utf-8")
    return text


def _findings(result: Any) -> list[dict[str, Any]]:
    return [f for file in result.json()["files"] for f in file["findings"]]


def _codes(result: Any) -> set[str]:
    return {f["rule_id"] for f in _findings(result)}


def test_without_the_plugin_there_are_no_acme_rules(
    lgo_cli: Any, lgo_workdir: Path, letter: str
) -> None:
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert not any(code.startswith("ACME") for code in _codes(result))


def test_plugin_rules_run(lgo_cli: Any, acme: None, letter: str) -> None:
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 1, result
    assert result.err == ""
    by_code = {f["rule_id"]: f for f in _findings(result)}
    assert set(by_code) == {"ACME001", "ACME101", "LGO201", "LGO202"}
    lines = letter.splitlines()
    python_rule = by_code["ACME001"]
    assert python_rule["rule"] == "many-upheld-decisions"
    assert python_rule["severity"] == "warning"
    assert python_rule["message"] == "36 upheld decisions, above the ceiling of 30."
    assert python_rule["line"] == lines.index("36") + 1
    toml_rule = by_code["ACME101"]
    assert toml_rule["rule"] == "few-compliance-outcomes"
    assert toml_rule["severity"] == "note"
    assert toml_rule["message"] == "Compliance rests on only 12 outcomes (fewer than 15)."
    assert "total of 12 compliance outcomes" in lines[toml_rule["line"] - 1]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--select", "ACME"], {"ACME001", "ACME101"}),
        (["--select", "ACME0"], {"ACME001"}),
        (["--select", "few-compliance-outcomes"], {"ACME101"}),
        (["--ignore", "ACME"], {"LGO201", "LGO202"}),
        (["--select", "LGO2", "--extend-select", "ACME001"], {"ACME001", "LGO201", "LGO202"}),
    ],
)
def test_plugin_rules_are_selectable(
    lgo_cli: Any, acme: None, letter: str, argv: list[str], expected: set[str]
) -> None:
    assert _codes(lgo_cli("--isolated", "--format", "json", *argv, ".")) == expected


def test_plugin_rule_options_and_severity_from_configuration(
    lgo_cli: Any, acme: None, letter: str, lgo_workdir: Path
) -> None:
    (lgo_workdir / "lgo-check.toml").write_text(
        'format = "json"\nselect = ["ACME"]\n'
        "[rules.many-upheld-decisions]\nceiling = 40\n"
        '[rules.ACME101]\nseverity = "error"\nminimum = 10\n',
        encoding="utf-8",
    )
    assert _codes(lgo_cli(".")) == set()
    (lgo_workdir / "lgo-check.toml").write_text(
        'format = "json"\nselect = ["ACME"]\n[rules.ACME101]\nseverity = "error"\n',
        encoding="utf-8",
    )
    result = lgo_cli(".")
    assert result.code == 1
    severities = {f["rule_id"]: f["severity"] for f in _findings(result)}
    assert severities == {"ACME001": "warning", "ACME101": "error"}


def test_plugin_rules_are_listed(lgo_cli: Any, acme: None, lgo_workdir: Path) -> None:
    result = lgo_cli("rules", "--isolated", "--format", "json")
    assert result.code == 0, result
    listing = {r["code"]: r for r in json.loads(result.out)}
    assert listing["ACME001"] == {
        "code": "ACME001",
        "name": "many-upheld-decisions",
        "severity": "warning",
        "default_severity": "warning",
        "summary": "More complaints were upheld than the council's own ceiling.",
        "options": {"ceiling": 30},
        "origin": "acme",
        "selected": True,
    }
    assert listing["ACME101"]["origin"] == "acme"
    assert listing["ACME101"]["options"] == {"minimum": 15}
    assert listing["LGO201"]["origin"] == "builtin"
    text = lgo_cli("rules", "--isolated")
    assert text.code == 0
    row = next(line for line in text.out.splitlines() if line.startswith("ACME001"))
    assert "many-upheld-decisions" in row and "warning" in row


@pytest.mark.parametrize("key", ["ACME001", "many-upheld-decisions"])
def test_plugin_rule_is_documented(lgo_cli: Any, acme: None, lgo_workdir: Path, key: str) -> None:
    result = lgo_cli("rule", "--isolated", key)
    assert result.code == 0, result
    assert result.out.startswith("# many-upheld-decisions (ACME001)\n")
    assert "Default severity: warning. From: acme." in result.out
    assert "## What it does" in result.out and "ceiling" in result.out
    assert "- `ceiling` (default: 30)" in result.out


def test_plugin_rule_file_is_documented(lgo_cli: Any, acme: None, lgo_workdir: Path) -> None:
    result = lgo_cli("rule", "--isolated", "ACME101")
    assert result.code == 0
    assert result.out.startswith("# few-compliance-outcomes (ACME101)\n")
    assert "From: acme." in result.out
    assert "- `minimum` (default: 15)" in result.out


def test_plugin_rules_in_sarif(lgo_cli: Any, acme: None, letter: str) -> None:
    sarif = lgo_cli("--isolated", "--format", "sarif", ".").json()
    run = sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "ACME001" in ids and "ACME101" in ids
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    assert {r["ruleId"] for r in run["results"]} >= {"ACME001", "ACME101"}


def test_plugin_registry_api(acme: None) -> None:
    registry = build_registry(Config())
    assert registry.errors == []
    rule = registry.find("acme001")
    assert rule is not None and rule.origin == "acme" and rule.name == "many-upheld-decisions"


# --- broken plugins ---------------------------------------------------------------

BROKEN = """
raise RuntimeError("ACME licence server unreachable")
"""


def _two_letters(folder: Path) -> None:
    (folder / "a-quillmere.txt").write_text(annual_review_letter(**ACME_FIGURES), "utf-8")
    # Another body: two letters of one body and year would also be a duplicate-letter finding.
    (folder / "b-quillmere.txt").write_text(
        annual_review_letter(per_100k=4.5, body="Quillbrook District Council"), "utf-8"
    )


def test_plugin_that_fails_to_import(
    lgo_cli: Any, acme: None, install_plugin: Installer, lgo_workdir: Path
) -> None:
    install_plugin("broken-pack", "broken", "broken_lgo_pack", BROKEN)
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2, result
    assert "plugin 'broken'" in result.err
    assert "broken_lgo_pack" in result.err
    assert "RuntimeError: ACME licence server unreachable" in result.err
    # the other plugins' rules, and every file, still checked
    files = {f["path"]: {x["rule_id"] for x in f["findings"]} for f in result.json()["files"]}
    assert files == {
        "a-quillmere.txt": {"ACME001", "ACME101", "LGO201", "LGO202"},
        "b-quillmere.txt": {"ACME101", "LGO212"},
    }


def test_plugin_that_fails_to_import_in_the_rule_listing(
    lgo_cli: Any, acme: None, install_plugin: Installer, lgo_workdir: Path
) -> None:
    install_plugin("broken-pack", "broken", "broken_lgo_pack", BROKEN)
    result = lgo_cli("rules", "--isolated")
    assert result.code == 2
    assert "plugin 'broken'" in result.err and "licence server" in result.err
    codes = {line.split()[0] for line in result.out.splitlines()}
    assert {"ACME001", "LGO201"} <= codes


def test_plugin_whose_module_is_missing(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    site = install_plugin("ghost-pack", "ghost", "ghost_lgo_pack", "")
    (site / "ghost_lgo_pack.py").unlink()
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert "plugin 'ghost'" in result.err and "ModuleNotFoundError" in result.err
    assert result.json()["summary"]["findings"] == 3


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_plugin_errors_reach_stderr_in_every_format(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path, fmt: str
) -> None:
    """Whatever the format (and even with --output), a broken plugin is told on stderr."""
    install_plugin("broken-pack", "broken", "broken_lgo_pack", BROKEN)
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--format", fmt, "--output", "report.out", ".")
    assert result.code == 2
    assert "plugin 'broken'" in result.err
    assert (lgo_workdir / "report.out").stat().st_size > 0


def test_rule_that_raises(lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path) -> None:
    install_plugin("exploding-pack", "exploding", "exploding_lgo_pack", EXPLODING)
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2, result
    for path in ("a-quillmere.txt", "b-quillmere.txt"):
        assert (
            f"{path}: rule EXPL001 explodes-on-letters (plugin 'exploding') raised "
            "ZeroDivisionError: the rule divided by the number of public reports"
        ) in result.err
    files = {f["path"]: {x["rule_id"] for x in f["findings"]} for f in result.json()["files"]}
    # The other rules' findings stay; the failure is a check-failed finding on each file.
    assert files == {
        "a-quillmere.txt": {"LGO003", "LGO201", "LGO202"},
        "b-quillmere.txt": {"LGO003", "LGO212"},
    }
    for file in result.json()["files"]:
        [failed] = [x for x in file["findings"] if x["rule_id"] == "LGO003"]
        assert "EXPL001" in failed["message"] and "ZeroDivisionError" in failed["message"]


def test_rule_that_raises_can_be_ignored(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    install_plugin("exploding-pack", "exploding", "exploding_lgo_pack", EXPLODING)
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--format", "json", "--ignore", "EXPL", ".")
    assert result.code == 1
    assert result.err == ""


def test_rule_that_raises_in_text_output(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    install_plugin("exploding-pack", "exploding", "exploding_lgo_pack", EXPLODING)
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--color", "never", ".")
    assert result.code == 2
    report = result.out + result.err
    assert "rule EXPL001 explodes-on-letters" in report
    assert "LGO212" in result.out and "LGO201" in result.out


def test_hook_that_raises(lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path) -> None:
    install_plugin(
        "hooky-pack",
        "hooky",
        "hooky_lgo_pack",
        """
        from lgo_check.hookspecs import hookimpl

        @hookimpl
        def lgo_check_rule_paths():
            raise OSError("rule folder is on a network drive that is offline")
        """,
    )
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert "plugin 'hooky' failed in lgo_check_rule_paths" in result.err
    assert "network drive" in result.err
    assert result.json()["summary"]["findings"] == 3


def test_plugin_rule_clashing_with_a_builtin(
    lgo_cli: Any, install_plugin: Installer, lgo_workdir: Path
) -> None:
    """A third-party rule that reuses a built-in code is refused; the built-in one runs."""
    install_plugin(
        "clash-pack",
        "clash",
        "clash_lgo_pack",
        """
        from lgo_check.hookspecs import hookimpl
        from lgo_check.model import Severity
        from lgo_check.rule import Rule


        class Impostor(Rule):
            \"\"\"Never finds anything.\"\"\"

            code = "LGO201"
            name = "quiet-impostor"
            severity = Severity.note

            def check(self, letter, options):
                return iter(())


        @hookimpl
        def lgo_check_rules():
            return [Impostor]
        """,
    )
    _two_letters(lgo_workdir)
    result = lgo_cli("--isolated", "--format", "json", ".")
    assert result.code == 2
    assert "LGO201" in result.err and "'clash'" in result.err and "clashes" in result.err
    files = {f["path"]: {x["rule"] for x in f["findings"]} for f in result.json()["files"]}
    assert files["a-quillmere.txt"] == {
        "compliance-below-100",
        "compliance-below-peer-average",
    }
    listing = {
        r["code"]: r for r in json.loads(lgo_cli("rules", "--isolated", "--format", "json").out)
    }
    assert listing["LGO201"]["name"] == "compliance-below-100"
    assert listing["LGO201"]["origin"] == "builtin"
