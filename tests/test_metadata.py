"""The letter's heading: recipient, organisation, dates, across layouts."""

from __future__ import annotations

import datetime as dt

import pytest

from lgo_check.cli import main
from lgo_check.extract.metadata import extract_metadata
from lgo_check.model import Source
from lgo_check.normalise import normalise


def meta(heading: str):  # type: ignore[no-untyped-def]
    text = heading + "\n\nDear Ms Vale\n\nAnnual Review letter 2023-24\n\nBody.\n"
    return extract_metadata(normalise(Source(path="x", format="text", text=text)))


@pytest.mark.parametrize(
    ("block", "name", "title", "organisation"),
    [
        (
            "Ms Vale\nChief Executive\nFenmarsh District Council",
            "Ms Vale",
            "Chief Executive",
            "Fenmarsh District Council",
        ),
        (
            "Ms Vale Interim Chief Executive Northvale Combined Authority",
            "Ms Vale",
            "Interim Chief Executive",
            "Northvale Combined Authority",
        ),
        # An address under the organisation is not part of it.
        (
            "Ms Vale\nChief Executive\nGlenhallow County Council\nCounty Hall\nMarket Street\nGH1 2AB",
            "Ms Vale",
            "Chief Executive",
            "Glenhallow County Council",
        ),
        # A title over two lines.
        (
            "Ms Vale\nChief Executive and\nHead of Paid Service\nTarnwick District Council",
            "Ms Vale",
            "Chief Executive and Head of Paid Service",
            "Tarnwick District Council",
        ),
        (
            "Ms Vale Chief Executive of the Council of the Isles of Scarrow",
            "Ms Vale",
            "Chief Executive",
            "Council of the Isles of Scarrow",
        ),
        (
            "Ms Vale Chief Fire Officer Wessex Fire and Rescue Authority",
            "Ms Vale",
            "Chief Fire Officer",
            "Wessex Fire and Rescue Authority",
        ),
    ],
)
def test_addressee(block: str, name: str, title: str, organisation: str) -> None:
    m = meta("17 July 2024\n\nBy email\n\n" + block)
    assert (m.recipient.name, m.recipient.title, m.organisation) == (name, title, organisation)


@pytest.mark.parametrize("date", ["17 July 2024", "17th July 2024", "Wednesday, 17th July, 2024"])
def test_letter_date_forms(date: str) -> None:
    m = meta(date + "\n\nMs Vale\nChief Executive\nFenmarsh District Council")
    assert m.letter_date == dt.date(2024, 7, 17)
    assert m.review_year == "2023-24"


def test_uninstalled_spacy_model_is_a_configuration_error(
    tmp_path,
    monkeypatch,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    (tmp_path / "lgo-check.toml").write_text('spacy-model = "xx_not_installed"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["."]) == 2
    err = capsys.readouterr().err
    assert "lgo-check.toml" in err and "xx_not_installed" in err


def test_snake_case_key_in_a_file_is_refused(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "lgo-check.toml").write_text('fail_on = "never"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["."]) == 2
    assert "did you mean 'fail-on'" in capsys.readouterr().err
