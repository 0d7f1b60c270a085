"""Message templates of declarative rules."""

from __future__ import annotations

from lgo_check.declarative import render


def test_fragment_with_an_empty_placeholder_is_dropped() -> None:
    values = {"rate": 92, "peer": None, "n": 25}
    message = render(
        ["Compliance was {rate}%", " against {peer}%", ", over {n} outcomes"], values.get
    )
    assert message == "Compliance was 92%, over 25 outcomes"


def test_optional_placeholder_renders_blank_and_closes_the_gap() -> None:
    template = ["Delays", " ({qualifier?} {share}% of responses)", "."]
    assert render(template, {"qualifier": None, "share": 94}.get) == "Delays (94% of responses)."
    assert (
        render(template, {"qualifier": "more than", "share": 40}.get)
        == "Delays (more than 40% of responses)."
    )
    assert render(template, {"qualifier": "over", "share": None}.get) == "Delays."


def test_whole_numbers_print_without_a_decimal_point() -> None:
    assert render("{x} and {y}", {"x": 85.0, "y": 5.8}.get) == "85 and 5.8"


def test_a_figure_of_a_block_the_letter_does_not_have_is_empty() -> None:
    # Letters before 2024-25 have no complaint overview: a rule on it sees no value.
    from lgo_check.declarative import resolve
    from lgo_check.model import Letter

    assert Letter().statistics.overview is None
    assert resolve(Letter(), "overview.dealt_with") == (None, None)
