"""Configuration: discovery, --config and --isolated, validation, per-rule settings, rule files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import annual_review_letter

from lgo_check.config import Config, ConfigError, find_config, load_config_file

# Fires compliance-below-100 (error) and compliance-below-peer-average (warning).
LOW_COMPLIANCE = {"compliance_rate": 95}

USER_RULES = """\
[[rule]]
code = "QM001"
name = "compliance-below-target"
severity = "warning"
summary = "Compliance with recommendations was below our own target."
doc = \"\"\"
## What it does
Flags compliance below the target the council set itself (`target`, default 98%).
\"\"\"
message = "Compliance was {compliance.rate_pct}%, below our target of {options.target}%."
evidence = "compliance.rate_pct"
options = { target = 98 }
when = [{ field = "compliance.rate_pct", op = "<", option = "target" }]
"""


def _write_letter(folder: Path, name: str = "quillmere.txt", **figures: Any) -> Path:
    path = folder / name
    path.write_text(annual_review_letter(**figures), encoding="utf-8")
    return path


def _rules_fired(result: Any) -> list[str]:
    return [f["rule"] for file in result.json()["files"] for f in file["findings"]]


@pytest.fixture
def project(lgo_workdir: Path) -> Path:
    """A project folder with a letter in letters/ and the working folder inside it."""
    letters = lgo_workdir / "letters"
    letters.mkdir()
    _write_letter(letters, **LOW_COMPLIANCE)
    return lgo_workdir


# --- discovery --------------------------------------------------------------------


def test_no_configuration_means_defaults(lgo_cli: Any, project: Path) -> None:
    result = lgo_cli("--format", "json", "letters")
    assert result.code == 1
    assert sorted(_rules_fired(result)) == ["compliance-below-100", "compliance-below-peer-average"]


def test_pyproject_found_walking_up(
    lgo_cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "committee-packs"\n\n[tool.lgo-check]\nformat = "json"\n'
        'select = ["LGO202"]\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(project / "letters")
    result = lgo_cli("quillmere.txt")
    assert result.code == 0  # only a warning left
    assert _rules_fired(result) == ["compliance-below-peer-average"]


def test_lgo_check_toml_found_walking_up(
    lgo_cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "lgo-check.toml").write_text('format = "json"\nfail-on = "never"\n', "utf-8")
    deep = project / "letters" / "2024" / "q1"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    result = lgo_cli("../../quillmere.txt")
    assert result.code == 0
    assert len(_rules_fired(result)) == 2


def test_hidden_lgo_check_toml_is_found(lgo_cli: Any, project: Path) -> None:
    (project / ".lgo-check.toml").write_text('format = "json"\nselect = ["LGO201"]\n', "utf-8")
    assert _rules_fired(lgo_cli("letters")) == ["compliance-below-100"]


def test_pyproject_without_section_is_passed_over(
    lgo_cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "lgo-check.toml").write_text('format = "json"\n', "utf-8")
    (project / "letters" / "pyproject.toml").write_text('[project]\nname = "x"\n', "utf-8")
    monkeypatch.chdir(project / "letters")
    assert lgo_cli("quillmere.txt").json()["summary"]["findings"] == 2


def test_nearest_configuration_wins(
    lgo_cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "lgo-check.toml").write_text('format = "json"\nselect = ["LGO201"]\n', "utf-8")
    (project / "letters" / "pyproject.toml").write_text(
        '[tool.lgo-check]\nformat = "json"\nselect = ["LGO202"]\n', "utf-8"
    )
    monkeypatch.chdir(project / "letters")
    assert _rules_fired(lgo_cli("quillmere.txt")) == ["compliance-below-peer-average"]


def test_lgo_check_toml_before_pyproject_in_one_folder(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('format = "json"\nselect = ["LGO201"]\n', "utf-8")
    (project / "pyproject.toml").write_text(
        '[tool.lgo-check]\nformat = "json"\nselect = ["LGO202"]\n', "utf-8"
    )
    assert _rules_fired(lgo_cli("letters")) == ["compliance-below-100"]


def test_config_option_names_a_file(lgo_cli: Any, project: Path, tmp_path: Path) -> None:
    (project / "lgo-check.toml").write_text('select = ["LGO201"]\n', "utf-8")
    elsewhere = tmp_path / "ci" / "strict.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('format = "json"\nselect = ["LGO202"]\nfail-on = "warning"\n', "utf-8")
    result = lgo_cli("--config", elsewhere, "letters")
    assert result.code == 1
    assert _rules_fired(result) == ["compliance-below-peer-average"]


def test_config_option_with_a_pyproject(lgo_cli: Any, project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text('[tool.lgo-check]\nformat = "json"\n', "utf-8")
    assert (
        lgo_cli("--config", other / "pyproject.toml", "letters").json()["summary"]["findings"] == 2
    )


def test_isolated_ignores_configuration(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('fail_onn = "never"\n', "utf-8")
    assert lgo_cli("letters").code == 2
    result = lgo_cli("--isolated", "--format", "json", "letters")
    assert result.code == 1
    assert len(_rules_fired(result)) == 2


def test_command_line_overrides_configuration(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text(
        'format = "json"\nselect = ["LGO201"]\nextend-select = ["LGO212"]\nfail-on = "never"\n',
        "utf-8",
    )
    result = lgo_cli("--select", "LGO202", "--fail-on", "warning", "letters")
    assert result.code == 1
    assert _rules_fired(result) == ["compliance-below-peer-average"]
    # --extend-select adds to the configuration's extend-select
    _write_letter(project / "letters", "high.txt", per_100k=4.5)
    result = lgo_cli("--extend-select", "LGO202", "letters")
    assert sorted(_rules_fired(result)) == [
        "compliance-below-100",
        "compliance-below-peer-average",
        "upheld-per-100k-above-peer-average",
    ]


def test_find_config_api(tmp_path: Path) -> None:
    (tmp_path / "lgo-check.toml").write_text('rule-paths = ["rules"]\nmax-pages = 3\n', "utf-8")
    (tmp_path / "a" / "b").mkdir(parents=True)
    config = find_config(tmp_path / "a" / "b")
    assert config.source == tmp_path / "lgo-check.toml"
    assert config.max_pages == 3
    assert config.rule_paths == [tmp_path / "rules"]  # relative to the file, not the cwd


def test_load_config_file_without_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 90\n", "utf-8")
    assert load_config_file(tmp_path / "pyproject.toml") is None


# --- validation -------------------------------------------------------------------


def test_unknown_key_names_file_key_and_suggestion(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('fail_onn = "warning"\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert result.out == ""
    assert str(project / "lgo-check.toml") in result.err
    assert "'fail_onn'" in result.err
    assert "did you mean 'fail-on'?" in result.err


def test_unknown_key_in_pyproject(lgo_cli: Any, project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.lgo-check]\nselcet = ["LGO2"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert str(project / "pyproject.toml") in result.err
    assert "'tool.lgo-check.selcet'" in result.err
    assert "did you mean 'select'?" in result.err


def test_unknown_key_without_a_close_match_lists_valid_keys(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text("colour_scheme = 3\n", "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert "'colour_scheme'" in result.err
    assert "fail-on" in result.err and "rule-paths" in result.err


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ('fail-on = "sometimes"', "fail-on"),
        ('format = "xml"', "format"),
        ('select = "LGO2"', "select"),
        ("max-file-bytes = 0", "max-file-bytes"),
        ("timeout-seconds = -1", "timeout-seconds"),
        ('max-pages = "many"', "max-pages"),
        ('rules = "all"', "rules"),
    ],
)
def test_bad_value(lgo_cli: Any, project: Path, setting: str, key: str) -> None:
    (project / "lgo-check.toml").write_text(setting + "\n", "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert str(project / "lgo-check.toml") in result.err
    assert f"'{key}" in result.err


def test_invalid_toml(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('select = ["LGO2"\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert str(project / "lgo-check.toml") in result.err and "not valid TOML" in result.err


def test_section_that_is_not_a_table(lgo_cli: Any, project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool]\nlgo-check = "strict"\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert "must be a table" in result.err


def test_unknown_selector_in_configuration_names_the_file(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('ignore = ["LGO9"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert "'LGO9'" in result.err
    assert str(project / "lgo-check.toml") in result.err


# --- per-rule settings ------------------------------------------------------------


@pytest.mark.parametrize("key", ["compliance-below-100", "LGO201"])
def test_severity_override(lgo_cli: Any, project: Path, key: str) -> None:
    (project / "pyproject.toml").write_text(
        f'[tool.lgo-check]\nformat = "json"\n\n[tool.lgo-check.rules.{key}]\nseverity = "note"\n',
        "utf-8",
    )
    result = lgo_cli("letters")
    assert result.code == 0  # nothing at error any more
    severities = {
        f["rule"]: f["severity"] for file in result.json()["files"] for f in file["findings"]
    }
    assert severities == {
        "compliance-below-100": "note",
        "compliance-below-peer-average": "warning",
    }


def test_rule_options(lgo_cli: Any, project: Path) -> None:
    letters = project / "letters"
    small = {"upheld_count": 2, "remedy_base": 2, "remedy_count": 0, "remedy_rate": 0}
    _write_letter(letters, "four.txt", investigations=4, **small)
    _write_letter(
        letters,
        "six.txt",
        investigations=6,
        upheld_count=3,
        remedy_base=3,
        remedy_count=1,
        remedy_rate=33,
    )
    (project / "pyproject.toml").write_text(
        '[tool.lgo-check]\nformat = "json"\nselect = ["small-sample"]\n\n'
        "[tool.lgo-check.rules.small-sample]\nmin-investigations = 5\n",
        "utf-8",
    )
    files = {f["path"]: f["findings"] for f in lgo_cli("letters").json()["files"]}
    assert files["letters/six.txt"] == []
    [finding] = files["letters/four.txt"]
    assert finding["rule"] == "small-sample"
    assert "fewer than 5" in finding["message"]


def test_rule_option_with_underscore_spelling(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text(
        'format = "json"\n[rules.LGO103]\nmin_investigations = 50\n', "utf-8"
    )
    assert "small-sample" in _rules_fired(lgo_cli("letters"))  # 20 investigations < 50


def test_declarative_option_accepts_a_fractional_threshold(lgo_cli: Any, project: Path) -> None:
    """A percentage threshold may be fractional even though its default (100) is whole."""
    _write_letter(project / "letters", "ninety-six.txt", compliance_rate=96, compliance_peer=95)
    (project / "lgo-check.toml").write_text(
        'format = "json"\nselect = ["LGO201"]\n[rules.compliance-below-100]\nthreshold = 95.5\n',
        "utf-8",
    )
    result = lgo_cli("letters")
    assert result.code == 1, result
    files = {f["path"]: f["findings"] for f in result.json()["files"]}
    assert [f["rule"] for f in files["letters/quillmere.txt"]] == ["compliance-below-100"]  # 95
    assert files["letters/ninety-six.txt"] == []


def test_unknown_rule_in_configuration(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text(
        "[rules.small-sampel]\nmin-investigations = 5\n", "utf-8"
    )
    result = lgo_cli("letters")
    assert result.code == 2
    assert str(project / "lgo-check.toml") in result.err
    assert "'rules.small-sampel'" in result.err
    assert "did you mean 'small-sample'?" in result.err


def test_unknown_rule_option(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text(
        "[rules.small-sample]\nmin-investigation = 5\n", "utf-8"
    )
    result = lgo_cli("letters")
    assert result.code == 2
    assert str(project / "lgo-check.toml") in result.err
    assert "'rules.small-sample.min-investigation'" in result.err
    assert "did you mean 'min-investigations'?" in result.err


def test_bad_rule_option_value(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text(
        '[rules.small-sample]\nmin-investigations = "five"\n', "utf-8"
    )
    result = lgo_cli("letters")
    assert result.code == 2
    assert str(project / "lgo-check.toml") in result.err
    assert "small-sample" in result.err and "min_investigations" in result.err


def test_bad_rule_severity(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('[rules.LGO103]\nseverity = "fatal"\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert "'rules.LGO103.severity'" in result.err and "'fatal'" in result.err


def test_rule_settings_in_pyproject_are_named_with_their_table(lgo_cli: Any, project: Path) -> None:
    """In pyproject.toml the key is tool.lgo-check.rules...: say so, as for other keys."""
    (project / "pyproject.toml").write_text(
        "[tool.lgo-check.rules.small-sample]\nmin-investigation = 5\n", "utf-8"
    )
    result = lgo_cli("letters")
    assert result.code == 2
    assert "'tool.lgo-check.rules.small-sample.min-investigation'" in result.err


def test_config_model_api(tmp_path: Path) -> None:
    config = Config.model_validate({"fail-on": "note", "extend-select": ["LGO1"]})
    assert config.fail_on == "note" and config.extend_select == ["LGO1"]
    path = tmp_path / "lgo-check.toml"
    path.write_text("fail-on = 3\n", "utf-8")
    with pytest.raises(ConfigError, match="fail-on"):
        load_config_file(path)


# --- user rule folders ------------------------------------------------------------


@pytest.fixture
def user_rules(project: Path) -> Path:
    folder = project / "house-rules"
    folder.mkdir()
    (folder / "targets.toml").write_text(USER_RULES, "utf-8")
    (folder / "README.md").write_text("not a rule file\n", "utf-8")
    return folder


def test_rule_paths_rule_runs(
    lgo_cli: Any, project: Path, user_rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.lgo-check]\nformat = "json"\nrule-paths = ["house-rules"]\n', "utf-8"
    )
    # Other bodies than the project's quillmere.txt: one body's letters of one year
    # would also be duplicate-letter findings.
    _write_letter(
        project / "letters",
        "ninety-nine.txt",
        compliance_rate=99,
        compliance_peer=99,
        body="Quillford District Council",
    )
    _write_letter(project / "letters", "full.txt", body="Quillbrook District Council")
    monkeypatch.chdir(project / "letters")  # rule-paths are relative to the config file
    result = lgo_cli(".")
    files = {f["path"]: f["findings"] for f in result.json()["files"]}
    assert files["full.txt"] == []
    assert [f["rule"] for f in files["ninety-nine.txt"]] == ["compliance-below-100"]
    house = [f for f in files["quillmere.txt"] if f["rule_id"] == "QM001"]
    [finding] = house
    assert finding["rule"] == "compliance-below-target"
    assert finding["severity"] == "warning"
    assert finding["message"] == "Compliance was 95%, below our target of 98%."
    text = (project / "letters" / "quillmere.txt").read_text("utf-8")
    assert (
        finding["line"]
        == text.splitlines().index(
            "In 95% of cases we were satisfied the organisation had successfully implemented "
            "our recommendations."
        )
        + 1
    )


def test_rule_paths_rule_is_selectable_and_configurable(
    lgo_cli: Any, project: Path, user_rules: Path
) -> None:
    (project / "lgo-check.toml").write_text(
        'format = "json"\nrule-paths = ["house-rules/targets.toml"]\nselect = ["QM"]\n'
        '[rules.compliance-below-target]\ntarget = 90\nseverity = "error"\n',
        "utf-8",
    )
    assert _rules_fired(lgo_cli("letters")) == []  # 95 is not below 90
    (project / "lgo-check.toml").write_text(
        'format = "json"\nrule-paths = ["house-rules/targets.toml"]\nselect = ["QM"]\n'
        '[rules.compliance-below-target]\ntarget = 96\nseverity = "error"\n',
        "utf-8",
    )
    result = lgo_cli("letters")
    assert result.code == 1
    [finding] = result.json()["files"][0]["findings"]
    assert (finding["rule_id"], finding["severity"]) == ("QM001", "error")
    assert "target of 96%" in finding["message"]


def test_rule_paths_rule_is_listed_and_documented(
    lgo_cli: Any, project: Path, user_rules: Path
) -> None:
    config = project / "lgo-check.toml"
    config.write_text('rule-paths = ["house-rules"]\n', "utf-8")
    listing = {r["code"]: r for r in json.loads(lgo_cli("rules", "--format", "json").out)}
    assert listing["QM001"]["name"] == "compliance-below-target"
    assert listing["QM001"]["origin"] == str(config)
    assert listing["QM001"]["options"] == {"target": 98}
    assert listing["QM001"]["selected"] is True
    assert "LGO201" in listing
    text = lgo_cli("rules").out
    assert any(
        line.startswith("QM001") and "compliance-below-target" in line for line in text.splitlines()
    )
    doc = lgo_cli("rule", "QM001")
    assert doc.code == 0
    assert doc.out.startswith("# compliance-below-target (QM001)\n")
    assert "Compliance with recommendations was below our own target." in doc.out
    assert "Flags compliance below the target" in doc.out
    assert "- `target` (default: 98)" in doc.out
    # without the configuration the rule does not exist
    assert lgo_cli("rule", "--isolated", "QM001").code == 2


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('severity = "warning"', 'severity = "fatal"'), ["severity"]),
        (('code = "QM001"', 'code = "qm-1"'), ["code"]),
        (
            ('summary = "Compliance with recommendations was below our own target."\n', ""),
            ["summary"],
        ),
        (('op = "<"', 'op = "=<"'), ["when.0.op"]),
        (("[[rule]]", "[[rule]]\nwhen_not = []"), ["when_not"]),
        (('option = "target"', 'option = "goal"'), ["'goal'", "options"]),
        # a misspelt figure: the message names the bad path and the key it is in
        (
            ('compliance.rate_pct", op', 'compliance.rates_pct", op'),
            ["compliance.rates_pct", "when.0.field"],
        ),
        (
            ('evidence = "compliance.rate_pct"', 'evidence = "compliance.rates"'),
            ["compliance.rates", "evidence"],
        ),
    ],
    ids=["severity", "code", "summary", "op", "extra-key", "option", "when-field", "evidence"],
)
def test_invalid_rule_file_names_file_rule_and_field(
    lgo_cli: Any, project: Path, user_rules: Path, change: tuple[str, str], named: list[str]
) -> None:
    rule_file = user_rules / "targets.toml"
    old, new = change
    assert old in USER_RULES
    rule_file.write_text(USER_RULES.replace(old, new, 1), "utf-8")
    (project / "lgo-check.toml").write_text('rule-paths = ["house-rules"]\n', "utf-8")
    for argv in (["letters"], ["rules"]):
        result = lgo_cli(*argv)
        assert result.code == 2, result
        assert result.out == ""
        assert str(rule_file) in result.err
        assert "'compliance-below-target'" in result.err
        for fragment in named:
            assert fragment in result.err


def test_rule_file_that_is_not_toml(lgo_cli: Any, project: Path, user_rules: Path) -> None:
    (user_rules / "broken.toml").write_text("[[rule]\ncode = \n", "utf-8")
    (project / "lgo-check.toml").write_text('rule-paths = ["house-rules"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert str(user_rules / "broken.toml") in result.err and "not valid TOML" in result.err


def test_rule_paths_that_do_not_exist(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('rule-paths = ["no-such-rules.toml"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2
    assert "no-such-rules.toml" in result.err


def test_rule_file_clashing_with_a_builtin_code(
    lgo_cli: Any, project: Path, user_rules: Path
) -> None:
    (user_rules / "targets.toml").write_text(USER_RULES.replace("QM001", "LGO201"), "utf-8")
    (project / "lgo-check.toml").write_text(
        'rule-paths = ["house-rules"]\nformat = "json"\n', "utf-8"
    )
    result = lgo_cli("letters")
    assert result.code == 2
    assert "LGO201" in result.err and "clashes" in result.err
    # the built-in rule is kept
    assert "compliance-below-100" in _rules_fired(result)


def test_rule_file_message_placeholder_typo_is_an_error(
    lgo_cli: Any, project: Path, user_rules: Path
) -> None:
    """A misspelt placeholder must not silently turn the message into an empty string."""
    rule_file = user_rules / "targets.toml"
    rule_file.write_text(
        USER_RULES.replace("{compliance.rate_pct}%, below", "{compliance.rate}%, below"), "utf-8"
    )
    (project / "lgo-check.toml").write_text('rule-paths = ["house-rules"]\n', "utf-8")
    result = lgo_cli("--format", "json", "letters")
    assert result.code == 2, result
    assert str(rule_file) in result.err
    assert "'compliance-below-target'" in result.err
    assert "compliance.rate" in result.err and "message" in result.err


def test_rule_file_option_with_a_hyphen(lgo_cli: Any, project: Path, user_rules: Path) -> None:
    """An option named with a hyphen in a rule file is either refused when the rule file is
    loaded, or configurable; never "unknown key 'compliance-target'; did you mean
    'compliance-target'?"."""
    rule_file = user_rules / "targets.toml"
    rule_file.write_text(
        USER_RULES.replace("target = 98", "compliance-target = 98")
        .replace('option = "target"', 'option = "compliance-target"')
        .replace("{options.target}", "the target"),
        "utf-8",
    )
    (project / "lgo-check.toml").write_text(
        'rule-paths = ["house-rules"]\nformat = "json"\nselect = ["QM001"]\n'
        "[rules.QM001]\ncompliance-target = 90\n",
        "utf-8",
    )
    result = lgo_cli("letters")
    if result.code == 2:
        assert str(rule_file) in result.err, result.err  # refused, in the rule file
        assert "compliance-target" in result.err
    else:
        assert result.code == 0, result  # configured: 95% is not below 90%
        assert _rules_fired(result) == []


def test_bad_option_value_for_an_ignored_rule_is_still_an_error(
    lgo_cli: Any, project: Path
) -> None:
    (project / "lgo-check.toml").write_text(
        'ignore = ["LGO103"]\n[rules.small-sample]\nmin-investigations = "five"\n', "utf-8"
    )
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert "small-sample" in result.err and "min_investigations" in result.err


def test_one_rule_configured_by_code_and_by_name(lgo_cli: Any, project: Path) -> None:
    """[rules.LGO103] and [rules.small-sample] are the same rule: neither table may be
    silently dropped (merge them, or refuse the configuration)."""
    (project / "lgo-check.toml").write_text(
        'format = "json"\nselect = ["LGO103"]\n'
        '[rules.LGO103]\nseverity = "error"\n'
        "[rules.small-sample]\nmin-investigations = 100\n",
        "utf-8",
    )
    result = lgo_cli("letters")
    if result.code == 2:
        assert "LGO103" in result.err and "small-sample" in result.err
    else:
        [finding] = [f for file in result.json()["files"] for f in file["findings"]]
        assert "fewer than 100" in finding["message"]
        assert finding["severity"] == "error"


# --- hostile configuration ----------------------------------------------------------


def test_deeply_nested_configuration_is_a_configuration_error(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text("rules = " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert result.out == ""
    assert "configuration error" in result.err and "nested more than" in result.err
    assert "RecursionError" not in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("max-file-bytes = 99999999999999999999999999999999", "max-file-bytes"),
        ("max-file-bytes = 9223372036854775807", "max-file-bytes"),
        ("max-pages = 99999999999999999999999999", "max-pages"),
        ("timeout-seconds = 1e300", "timeout-seconds"),
    ],
)
def test_huge_limits_are_refused_not_overflowed(
    lgo_cli: Any, project: Path, setting: str, key: str
) -> None:
    (project / "lgo-check.toml").write_text(setting + "\n", "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert f"'{key}'" in result.err and "less than or equal" in result.err
    assert "OverflowError" not in result.err


def test_largest_allowed_file_limit_reads_letters(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text(
        'max-file-bytes = 2000000000\nformat = "json"\n', "utf-8"
    )
    result = lgo_cli("letters")
    assert result.code == 1, result  # the letter's own findings, nothing refused
    assert result.json()["summary"]["checked"] == 1


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("timeout-seconds = inf", "timeout-seconds"),
        ("timeout-seconds = nan", "timeout-seconds"),
        ("[rules.small-sample]\nmin-investigations = nan", "rules.small-sample.min-investigations"),
        ('[rules.LGO201]\nseverity = "error"\nthreshold = -inf', "rules.LGO201.threshold"),
    ],
)
def test_non_finite_numbers_are_refused(
    lgo_cli: Any, project: Path, setting: str, key: str
) -> None:
    (project / "lgo-check.toml").write_text(setting + "\n", "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert f"'{key}'" in result.err and "not a finite number" in result.err


def test_non_finite_number_from_python_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        Config.model_validate({"timeout-seconds": float("nan")})


@pytest.fixture
def booby_trapped_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package whose import writes a marker file: importing it is running code."""
    site = tmp_path / "site"
    package = site / "trapdoor"
    (package / "sub").mkdir(parents=True)
    marker = tmp_path / "imported"
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n", "utf-8")
    (package / "sub" / "__init__.py").write_text("", "utf-8")
    monkeypatch.syspath_prepend(str(site))
    return marker


@pytest.mark.parametrize("name", ["trapdoor.sub", "trapdoor", "trapdoor.sub.deeper", "os.path"])
def test_spacy_model_check_never_imports(
    lgo_cli: Any, project: Path, booby_trapped_package: Path, name: str
) -> None:
    (project / "lgo-check.toml").write_text(f'spacy-model = "{name}"\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert "spacy-model" in result.err and repr(name) in result.err
    assert not booby_trapped_package.exists(), "validating the configuration ran package code"
    import sys

    assert "trapdoor" not in sys.modules


def test_spacy_model_package_with_meta_json_is_accepted_without_import(
    tmp_path: Path, booby_trapped_package: Path
) -> None:
    package = tmp_path / "site" / "trapdoor"
    (package / "meta.json").write_text('{"lang": "en", "name": "trapdoor"}', "utf-8")
    config = Config.model_validate({"spacy-model": "trapdoor"})
    assert config.spacy_model == "trapdoor"
    assert not booby_trapped_package.exists()


def test_spacy_model_folder_path(tmp_path: Path) -> None:
    folder = tmp_path / "pipeline"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"no config\.cfg"):
        Config.model_validate({"spacy-model": str(folder)})
    (folder / "config.cfg").write_text("[nlp]\n", "utf-8")
    assert Config.model_validate({"spacy-model": str(folder)}).spacy_model == str(folder)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")
def test_rule_paths_fifo_is_refused_without_hanging(lgo_cli: Any, project: Path) -> None:
    import os

    os.mkfifo(project / "rules.toml")
    (project / "lgo-check.toml").write_text('rule-paths = ["rules.toml"]\n', "utf-8")
    result = lgo_cli("letters")  # the hang guard of conftest would stop a blocked read
    assert result.code == 2, result
    assert "rules.toml" in result.err and "not a regular file" in result.err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_rule_paths_dev_zero_is_refused(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text('rule-paths = ["/dev/zero"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert "/dev/zero" in result.err and "not a regular file" in result.err


def test_rule_file_fifo_in_a_rule_folder(lgo_cli: Any, project: Path, user_rules: Path) -> None:
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(user_rules / "zz-pipe.toml")
    (project / "lgo-check.toml").write_text('rule-paths = ["house-rules"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert "zz-pipe.toml" in result.err and "not a regular file" in result.err


def test_oversized_rule_file_is_refused(lgo_cli: Any, project: Path, user_rules: Path) -> None:
    (user_rules / "huge.toml").write_text("# " + "x" * 3_000_000 + "\n", "utf-8")
    (project / "lgo-check.toml").write_text('rule-paths = ["house-rules"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert "huge.toml" in result.err and "over the limit" in result.err


def test_oversized_configuration_is_refused(lgo_cli: Any, project: Path) -> None:
    (project / "lgo-check.toml").write_text("# " + "x" * 3_000_000 + "\n", "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert "lgo-check.toml" in result.err and "over the limit" in result.err


@pytest.mark.parametrize(
    ("kind", "hint"),
    [("public_reprot", "did you mean 'public_report'?"), ("cheese", "known kinds: ")],
)
def test_rule_file_concern_must_be_a_known_kind(
    lgo_cli: Any, project: Path, user_rules: Path, kind: str, hint: str
) -> None:
    rule_file = user_rules / "targets.toml"
    rule_file.write_text(
        USER_RULES.replace(
            'when = [{ field = "compliance.rate_pct", op = "<", option = "target" }]',
            f'concern = "{kind}"',
        ),
        "utf-8",
    )
    (project / "lgo-check.toml").write_text('rule-paths = ["house-rules"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert str(rule_file) in result.err and "'compliance-below-target'" in result.err
    assert "'concern'" in result.err and repr(kind) in result.err and hint in result.err


def test_rule_file_whose_rule_is_not_a_table(lgo_cli: Any, project: Path, user_rules: Path) -> None:
    (user_rules / "odd.toml").write_text('rule = "everything"\n', "utf-8")
    (project / "lgo-check.toml").write_text('rule-paths = ["house-rules"]\n', "utf-8")
    result = lgo_cli("letters")
    assert result.code == 2, result
    assert "odd.toml" in result.err and "array of tables" in result.err
