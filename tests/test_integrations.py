"""CI integrations, run for real: the pre-commit hook through ``pre-commit try-repo``,
the GitHub Action's shell steps with its inputs as environment variables, and the
baseline workflow in a git repository of letters.

The hook and the action install lgo-check from this checkout into a fresh
environment (dependencies from the package registry), so those two tests take
about half a minute each.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import EXAMPLES, REPO, annual_review_letter

from lgo_check.config import Config
from lgo_check.plugins import build_registry

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}
GLENHALLOW = "glenhallow-cc-2023-24.txt"  # errors: fails the default --fail-on
EASTFOLD = "eastfold-cca-2023-24.txt"  # clean
INSTALL_TIMEOUT = 900


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def letters_repo(root: Path, names: list[str] | None = None) -> Path:
    """A git repository with the example letters under letters/ and a file that is not one."""
    repo = root / "governance"
    (repo / "letters").mkdir(parents=True)
    for letter in sorted(EXAMPLES.iterdir()):
        if letter.suffix in (".txt", ".md") and (names is None or letter.name in names):
            shutil.copy(letter, repo / "letters" / letter.name)
    (repo / "notes.csv").write_text("meeting,date\naudit,2024-10-24\n", "utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "letters")
    return repo


# --- pre-commit -------------------------------------------------------------------


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (hook,) = hooks
    return dict(hook)


def test_hook_runs_on_every_letter_format_and_nothing_else() -> None:
    hook = _hook()
    assert (hook["id"], hook["entry"], hook["language"]) == ("lgo-check", "lgo-check", "python")
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    extensions = build_registry(Config()).extensions()
    assert len(extensions) >= 9
    for ext in extensions:
        assert files.search(f"letters/2024/fenmarsh{ext}"), ext
        assert files.search(f"LETTERS/FENMARSH{ext.upper()}"), ext
    for other in ("notes.csv", "pyproject.toml", "report.sarif", "letters/txt", "a.txt.bak"):
        assert not files.search(other), other


def test_pre_commit_try_repo_runs_the_hook_on_the_letters_given(tmp_path: Path) -> None:
    repo = letters_repo(tmp_path, [GLENHALLOW, EASTFOLD])
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("PRE_COMMIT", None)
    files = [f"letters/{GLENHALLOW}", f"letters/{EASTFOLD}", "notes.csv"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(REPO),
            "lgo-check",
            "--verbose",
            "--files",
            *files,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=INSTALL_TIMEOUT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"lgo-check \(Ombudsman annual review letters\)\.+Failed", output), output
    assert f"letters/{GLENHALLOW}:77:4: LGO201 error" in output
    # Both letters were passed and checked; the CSV was not handed to lgo-check.
    assert "in 1 of 2 files" in output
    assert "notes.csv" not in output.split("Using config")[-1].split("hook id")[-1]


# --- the GitHub Action ------------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


class ActionRunner:
    """Runs action.yml's shell steps as a runner would: each step's ``env`` resolved
    from the inputs and earlier steps' outputs, its script in ``bash -eo pipefail``."""

    def __init__(self, workspace: Path, temp: Path) -> None:
        self.action = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
        self.workspace = workspace
        self.temp = temp
        self.outputs: dict[str, dict[str, str]] = {}

    def step(self, step_id: str) -> dict[str, Any]:
        for step in self.action["runs"]["steps"]:
            if step.get("id") == step_id or step.get("name") == step_id:
                return dict(step)
        raise KeyError(step_id)

    def _value(self, expression: str, inputs: dict[str, str]) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs":
            declared = self.action["inputs"][parts[1]]
            return inputs.get(parts[1], str(declared.get("default", "")))
        if parts[0] == "github" and parts[1] == "action_path":
            return str(REPO)
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        raise AssertionError(f"the test does not know ${{{{ {expression} }}}}")

    def run(self, step_id: str, inputs: dict[str, str]) -> subprocess.CompletedProcess[str]:
        step = self.step(step_id)
        assert step["shell"] == "bash"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LGO_"))}
        for name, value in step.get("env", {}).items():
            env[name] = _EXPRESSION.sub(lambda m: self._value(m.group(1), inputs), str(value))
        assert "${{" not in step["run"], "inputs must reach scripts through env, not pasted in"
        output_file = self.temp / f"output-{step_id}"
        output_file.write_text("", "utf-8")
        env.update(
            # As actions/setup-python leaves it: the Python to use first on PATH.
            PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
            GITHUB_OUTPUT=str(output_file),
            GITHUB_STEP_SUMMARY=str(self.temp / "summary.md"),
            RUNNER_TEMP=str(self.temp),
        )
        script = self.temp / f"{step_id}.sh"
        script.write_text(step["run"], "utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
        outputs = dict(
            line.split("=", 1) for line in output_file.read_text("utf-8").splitlines() if line
        )
        if "id" in step:
            self.outputs[step["id"]] = outputs
        return result


@pytest.fixture(scope="module")
def action(tmp_path_factory: pytest.TempPathFactory) -> ActionRunner:
    """The action installed once (its install step) for the tests that run its checks."""
    root = tmp_path_factory.mktemp("action")
    runner = ActionRunner(letters_repo(root), root / "runner-temp")
    runner.temp.mkdir()
    installed = runner.run("install", {})
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return runner


def test_action_install_step_installs_this_checkout(action: ActionRunner) -> None:
    lgo_check = Path(action.outputs["install"]["lgo-check"])
    assert lgo_check.is_file()
    assert lgo_check.is_relative_to(action.temp)
    version = subprocess.run([lgo_check, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("lgo-check ")


def _sarif_validator() -> Any:
    schema = json.loads((REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def test_action_fails_on_errors_and_uploads_what_it_wrote(action: ActionRunner) -> None:
    checked = action.run("check", {"paths": "letters"})
    assert checked.returncode == 0, checked.stderr
    outputs = action.outputs["check"]
    assert outputs["exit-code"] == "1"
    sarif_path = action.workspace / outputs["sarif-file"]
    document = json.loads(sarif_path.read_text("utf-8"))
    assert list(_sarif_validator().iter_errors(document)) == []
    results = document["runs"][0]["results"]
    assert int(outputs["findings"]) == len(results) > 0
    assert f"letters/{GLENHALLOW}:77: LGO201 error" in checked.stdout
    assert "LGO201" in (action.temp / "summary.md").read_text("utf-8")
    # The upload step takes the file the check step wrote, whatever happened before it.
    upload = action.step("Upload SARIF to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    assert "always()" in upload["if"]
    failed = action.run("Fail on findings at or above fail-on", {})
    assert failed.returncode == 1
    assert "::error::lgo-check found findings at or above 'error'" in failed.stdout


def test_action_passes_below_fail_on_and_takes_extra_args(action: ActionRunner) -> None:
    inputs = {
        "paths": f"letters/{EASTFOLD}\nletters/{GLENHALLOW}",
        "args": "--select LGO2 --ignore LGO201",
        "sarif-file": "out/second.sarif",
    }
    (action.workspace / "out").mkdir(exist_ok=True)
    checked = action.run("check", inputs)
    assert checked.returncode == 0, checked.stderr
    assert action.outputs["check"]["exit-code"] == "0"
    document = json.loads((action.workspace / "out" / "second.sarif").read_text("utf-8"))
    assert {r["ruleId"] for r in document["runs"][0]["results"]} == {"LGO202"}
    passed = action.run("Fail on findings at or above fail-on", inputs)
    assert passed.returncode == 0, passed.stdout


def test_action_with_a_baseline_passes_and_uploads_dismissed_results(action: ActionRunner) -> None:
    lgo_check = action.outputs["install"]["lgo-check"]
    written = subprocess.run(
        [lgo_check, "--isolated", "--write-baseline", "ci-baseline.toml", "letters"],
        cwd=action.workspace,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert written.returncode == 0, written.stderr
    inputs = {
        "paths": "letters",
        "baseline": "ci-baseline.toml",
        "sarif-file": "acknowledged.sarif",
    }
    checked = action.run("check", inputs)
    assert checked.returncode == 0, checked.stderr
    assert action.outputs["check"]["exit-code"] == "0"
    assert action.outputs["check"]["findings"] == "0"
    entries = tomllib.loads((action.workspace / "ci-baseline.toml").read_text("utf-8"))
    acknowledged = len(entries["acknowledged"])
    assert checked.stdout.splitlines()[-1] == f"0 finding(s), {acknowledged} acknowledged"
    document = json.loads((action.workspace / "acknowledged.sarif").read_text("utf-8"))
    results = document["runs"][0]["results"]
    assert len(results) == acknowledged > 0
    assert all(r["suppressions"][0]["kind"] == "external" for r in results)
    assert action.run("Fail on findings at or above fail-on", inputs).returncode == 0


def test_action_reports_a_run_that_could_not_complete(action: ActionRunner) -> None:
    checked = action.run(
        "check", {"paths": "letters", "config": "no-such-config.toml", "sarif-file": "broken.sarif"}
    )
    assert checked.returncode == 2
    assert action.outputs["check"] == {"exit-code": "2"}
    assert "::error::lgo-check wrote no report (exit status 2)" in checked.stdout


# --- the baseline workflow in a repository of letters -----------------------------


def _lgo(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lgo_check", "--isolated", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_baseline_workflow_end_to_end(tmp_path: Path) -> None:
    repo = letters_repo(tmp_path)
    python = f'"{sys.executable}" -m lgo_check --isolated'
    # As the README tells it: acknowledge what is there, then check against it.
    first = subprocess.run(
        f"{python} --write-baseline b.toml letters && {python} --baseline b.toml letters",
        shell=True,
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    entries = tomllib.loads((repo / "b.toml").read_text("utf-8"))["acknowledged"]
    letters = len(list((repo / "letters").iterdir()))
    assert len(entries) > letters > 5  # every finding, the body-level ones too
    assert f"wrote {len(entries)} acknowledged findings to b.toml" in first.stderr
    assert first.stdout == f"No findings in {letters} files. {len(entries)} acknowledged.\n"
    _git(repo, "add", "b.toml")
    _git(repo, "commit", "-q", "-m", "acknowledge the findings the committee has seen")

    # A new letter raising a new concern: only it is shown, and CI fails.
    (repo / "letters" / "ravelstone-dc-2023-24.txt").write_text(
        annual_review_letter(body="Ravelstone District Council", compliance_rate=88), "utf-8"
    )
    _git(repo, "add", ".")
    new = _lgo(repo, "--baseline", "b.toml", "letters")
    assert new.returncode == 1, new.stderr
    finding_lines = [line for line in new.stdout.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]
    assert finding_lines and all(
        line.startswith("letters/ravelstone-dc-2023-24.txt:") for line in finding_lines
    ), new.stdout
    assert {line.split()[1] for line in finding_lines} == {"LGO201", "LGO202"}
    assert new.stdout.splitlines()[-1].endswith(f" {len(entries)} acknowledged.")

    # A letter deleted: its entries are stale, each pointing at its line in b.toml
    # (the body-level findings that pointed at it too).
    _git(repo, "rm", "-q", f"letters/{GLENHALLOW}")
    (repo / "letters" / "ravelstone-dc-2023-24.txt").unlink()
    gone = _lgo(repo, "--baseline", "b.toml", "--fail-on", "warning", "letters")
    assert gone.returncode == 1
    stale = [line for line in gone.stdout.splitlines() if " LGO009 " in line]
    its_entries = [e for e in entries if e["file"] == f"letters/{GLENHALLOW}"]
    assert len(its_entries) >= 5
    assert {e["body"] for e in its_entries} == {"Glenhallow County Council"}
    headers = [
        n
        for n, line in enumerate((repo / "b.toml").read_text("utf-8").splitlines(), 1)
        if line == "[[acknowledged]]"
    ]
    expected = [
        f"b.toml:{line}:1: LGO009 warning Baseline entry {e['rule']} {e['name']} "
        "(Glenhallow County Council, 2023-24) matches no finding any more"
        for line, e in zip(headers, entries, strict=True)
        if e in its_entries
    ]
    assert [line.split(":", 3)[0:3] for line in stale] == [e.split(":", 3)[0:3] for e in expected]
    assert all(line.startswith(e) for line, e in zip(stale, expected, strict=True))
    remaining = len(entries) - len(its_entries)
    assert gone.stdout.splitlines()[-1].endswith(f" {remaining} acknowledged.")


# --- ruff and flake8 conventions --------------------------------------------------


def test_statistics_counts_findings_per_rule(lgo_cli: Any, lgo_in_repo: Path) -> None:
    report = lgo_cli("--isolated", "--format", "json", "examples").json()
    by_rule = report["summary"]["by_rule"]
    result = lgo_cli("--isolated", "--statistics", "examples")
    assert result.code == 1
    lines = result.out.splitlines()
    rows = [
        re.match(r"^(\d+)  (LGO\d{3}) +(error|warning|note) +(\S+)$", line) for line in lines[:-2]
    ]
    assert all(rows), lines
    assert {m.group(4): int(m.group(1)) for m in rows if m} == by_rule
    counts = [int(m.group(1)) for m in rows if m]
    assert counts == sorted(counts, reverse=True)  # most frequent first
    assert lines[-2] == ""
    assert lines[-1] == lgo_cli("--isolated", "examples").out.splitlines()[-1]
    quiet = lgo_cli("--isolated", "--statistics", "--quiet", "examples")
    assert quiet.out.splitlines() == lines[:-2]  # the counts and nothing else
    as_json = lgo_cli("--isolated", "--statistics", "--format", "json", "examples").json()
    assert sum(row["count"] for row in as_json) == report["summary"]["findings"]
    assert {
        "code": "LGO201",
        "name": "compliance-below-100",
        "severity": "error",
        "count": 1,
    } in as_json
    refused = lgo_cli("--isolated", "--statistics", "--format", "sarif", "examples")
    assert refused.code == 2
    assert "--statistics is written as text or json" in refused.err


def test_exit_zero_keeps_the_report_but_not_the_failure(lgo_cli: Any, lgo_in_repo: Path) -> None:
    failing = lgo_cli("--isolated", "--fail-on", "note", "examples")
    zero = lgo_cli("--isolated", "--fail-on", "note", "--exit-zero", "examples")
    assert (failing.code, zero.code) == (1, 0)
    assert zero.out == failing.out
    broken = lgo_cli("--exit-zero", "--config", "no-such.toml", "examples")
    assert broken.code == 2
