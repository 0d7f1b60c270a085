"""The one TOML reader: regular files only, bounded, shallow, finite, validated with names."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from lgo_check.tomlfile import MAX_DEPTH, TomlFileError, load_toml, read_toml


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: int = 0
    label: str = ""


class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    blocks: list[Inner] = Field(default_factory=list)
    named: dict[str, Inner] = Field(default_factory=dict)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "file.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_a_regular_file(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "x"\n[[blocks]]\nthreshold = 3\n')
    assert load_toml(path, Outer) == Outer(name="x", blocks=[Inner(threshold=3)])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            read_toml(fifo)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "reading a FIFO blocked"
    [error] = outcome
    assert isinstance(error, TomlFileError)
    assert str(fifo) in str(error) and "not a regular file" in str(error)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused() -> None:
    with pytest.raises(TomlFileError, match="not a regular file"):
        read_toml(Path("/dev/zero"))


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TomlFileError, match="is a folder"):
        read_toml(tmp_path)


def test_size_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "' + "x" * 5000 + '"\n')
    with pytest.raises(TomlFileError, match="over the limit of 1,000 bytes"):
        read_toml(path, max_bytes=1000)
    assert read_toml(path, max_bytes=10_000)["name"] == "x" * 5000


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000 + "\n",  # the parser itself would recurse too deep
        "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
        "a = " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",  # parses, then refused
        ".".join(["k"] * 200) + " = 1\n",  # dotted keys nest tables without brackets
        "[" + ".".join(["t"] * 200) + "]\nx = 1\n",
    ],
    ids=["arrays-5000", "inline-tables-3000", "arrays-just-over", "dotted-key", "table-header"],
)
def test_deep_nesting_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(TomlFileError, match=f"nested more than {MAX_DEPTH} levels deep") as info:
        read_toml(path)
    assert str(path) in str(info.value)


def test_ordinary_nesting_is_fine(tmp_path: Path) -> None:
    path = _write(tmp_path, "a = [[1, 2], [3]]\n[t.u.v]\nw = {x = {y = 1}}\n")
    assert read_toml(path)["t"]["u"]["v"]["w"]["x"]["y"] == 1


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan", "1e999"])
def test_non_finite_numbers_are_refused_with_their_key(tmp_path: Path, value: str) -> None:
    path = _write(tmp_path, f'name = "x"\n[named.low]\nthreshold = {value}\n')
    with pytest.raises(TomlFileError) as info:
        read_toml(path)
    message = str(info.value)
    assert str(path) in message and "'named.low.threshold'" in message
    assert "not a finite number" in message


def test_an_integer_too_long_to_convert_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "n = " + "9" * 5000 + "\n")
    with pytest.raises(TomlFileError, match="not valid TOML"):
        read_toml(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "file.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(TomlFileError, match=r"not UTF-8 text \(byte 11\)"):
        read_toml(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TomlFileError, match="no such file"):
        read_toml(tmp_path / "absent.toml")


def test_validation_names_file_key_and_nearest_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'name = "x"\n[[blocks]]\nthreshhold = 3\n[named.first]\nlabel = 5\n',
    )
    with pytest.raises(TomlFileError) as info:
        load_toml(path, Outer, table="tool.x.")
    problems = info.value.problems
    assert (
        f"{path}: unknown key 'tool.x.blocks.0.threshhold'; did you mean 'threshold'?" in problems
    )
    assert any(
        p.startswith(f"{path}: 'tool.x.named.first.label': ") and "string" in p for p in problems
    )
    assert len(problems) == 2


def test_unknown_key_far_from_any_lists_the_valid_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "x"\nzzz = 1\n')
    with pytest.raises(TomlFileError, match=r"valid keys: blocks, name, named"):
        load_toml(path, Outer)


def test_missing_required_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "blocks = []\n")
    with pytest.raises(TomlFileError, match=r"'name': Field required"):
        load_toml(path, Outer)
