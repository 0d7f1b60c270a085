"""The lgo_concerns spaCy component, its negation step, the classifier and its training."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lgo_check.extract.concerns.classifier import MODEL_DIR, default_corpus, train
from lgo_check.extract.concerns.component import SPANS_KEY
from lgo_check.extract.concerns.negation import NegEx, Termsets
from lgo_check.extract.narrative import MAX_BLOCK_CHARS, find_concerns, pipeline
from lgo_check.model import Source
from lgo_check.normalise import NormalisedText, normalise

#: A sentence the rules miss and the classifier finds (written for this test).
MODEL_ONLY = (
    "The Council took far too long to hand over the case files our investigators asked for."
)


def norm_of(text: str) -> NormalisedText:
    return normalise(Source(path="x", format="text", text=text))


# --------------------------------------------------------------------------
# The component


def test_component_is_registered_and_writes_doc_spans() -> None:
    nlp = pipeline().nlp
    assert "lgo_concerns" in nlp.pipe_names
    doc = nlp("The weather was fine. " + MODEL_ONLY)
    group = doc.spans[SPANS_KEY]
    assert [span.label_ for span in group] == ["delayed_enquiry_responses"]
    assert group[0].text == MODEL_ONLY
    assert group.attrs["found_by"] == ["model"]
    assert group.attrs["score"][0] >= 0.5


def test_concern_says_how_it_was_found() -> None:
    [[by_model]] = find_concerns([norm_of(MODEL_ONLY)])
    assert by_model.found_by == "model"
    assert by_model.model_score is not None and by_model.model_score >= 0.5
    assert [s.line for s in by_model.sentences] == [1]
    [by_rules] = find_concerns([norm_of(MODEL_ONLY)], use_model=False)
    assert by_rules == []
    [[both]] = find_concerns(
        [norm_of("We issued a witness summons to the Council's director of housing in May.")]
    )
    assert (both.kind, both.found_by) == ("witness_summons", "both")


def test_threshold_decides_what_the_model_finds() -> None:
    assert find_concerns([norm_of(MODEL_ONLY)], threshold=1.0) == [[]]
    assert find_concerns([norm_of(MODEL_ONLY)], threshold=0.1) != [[]]


def test_threshold_is_a_configuration_key(lgo_cli: Any, lgo_workdir: Path) -> None:
    from conftest import annual_review_letter

    letter = annual_review_letter().replace("Yours sincerely,", MODEL_ONLY + "\n\nYours sincerely,")
    (lgo_workdir / "letter.txt").write_text(letter, encoding="utf-8")
    found = lgo_cli("--format", "json", "--fail-on", "never", "letter.txt").json()
    [concern] = found["files"][0]["letter"]["concerns"]
    assert concern["kind"] == "delayed_enquiry_responses"
    assert concern["found_by"] == "model"
    assert concern["line"] == concern["span"]["line"] == concern["sentences"][0]["line"]
    (lgo_workdir / "pyproject.toml").write_text(
        "[tool.lgo-check]\nconcern-threshold = 1.0\n", encoding="utf-8"
    )
    quiet = lgo_cli("--format", "json", "--fail-on", "never", "letter.txt").json()
    assert quiet["files"][0]["letter"]["concerns"] == []


def test_other_concern_is_found() -> None:
    text = (
        "Replies to complainants at the end of the Council's own procedure were often thin "
        "and did not deal with the points people had raised."
    )
    [concerns] = find_concerns([norm_of(text)])
    assert [c.kind for c in concerns] == ["other_concern"]


def test_map_paragraph_is_not_a_public_report() -> None:
    text = (
        "Our interactive map lets anyone look up the decisions we have made about a council, "
        "including the public reports we have issued, and the compliance figures."
    )
    assert find_concerns([norm_of(text)]) == [[]]


def test_share_belongs_to_its_kind() -> None:
    text = (
        "The Council sent late replies to the majority of our enquiries, and over half of "
        "our recommendations were implemented late."
    )
    [concerns] = find_concerns([norm_of(text)], use_model=False)
    shares = {c.kind: (c.share_pct, c.qualifier) for c in concerns}
    assert shares["non_compliance"] == (50, "over")
    assert shares["delayed_enquiry_responses"] != (50, "over")


def test_a_very_long_sentence_is_matched_in_windows() -> None:
    filler = " ".join(["and the officers met on Monday"] * 4000)
    text = f"On {filler} we issued a witness summons to the Council {filler} today."
    [concerns] = find_concerns([norm_of(text)], use_model=False)
    assert [c.kind for c in concerns] == ["witness_summons"]


def test_a_block_longer_than_spacys_limit_is_read_in_pieces() -> None:
    sentence = "The garden committee met on Tuesday and agreed the budget. "
    filler = sentence * (2 * MAX_BLOCK_CHARS // len(sentence) + 1)
    text = filler + "We issued a witness summons to the Council in March."
    [concerns] = find_concerns([norm_of(text)], use_model=False)
    assert [c.kind for c in concerns] == ["witness_summons"]
    assert concerns[0].text == "We issued a witness summons to the Council in March."


# --------------------------------------------------------------------------
# Negation, resolution and denial


def negex(**lists: list[str]) -> NegEx:
    termsets: dict[str, Any] = {
        "preceding": [],
        "following": [],
        "either": [],
        "pseudo": [],
        "terminators": [],
        "window": 4,
    }
    termsets.update(lists)
    return NegEx(Termsets.from_words(lambda text: tuple(text.lower().split()), **termsets))


def test_negation_scopes() -> None:
    words = ["we", "have", "no", "concern", "about", "late", "reply", "to", "our", "enquiry"]
    scopes = negex(preceding=["no concern"]).scopes(words)
    assert scopes.negates(5, 6)  # "late", two words after the trigger
    assert not scopes.negates(8, 10)  # beyond the window of 4


def test_following_trigger_and_terminator() -> None:
    words = ["the", "delay", "in", "reply", ",", "but", "the", "backlog", "be", "resolved"]
    rules = negex(following=["be resolved"], terminators=[","]).scopes(words)
    assert rules.negates(7, 8)  # "backlog": between the comma and the trigger
    assert not rules.negates(1, 2)  # "delay": the comma ends the scope


def test_pseudo_negation_triggers_nothing() -> None:
    words = ["there", "have", "be", "no", "improvement", "in", "the", "delay"]
    engine = negex(preceding=["no"], pseudo=["no improvement"])
    assert not engine.scopes(words).negates(7, 8)
    assert negex(preceding=["no"]).scopes(words).negates(7, 8)


def test_general_statement_reaches_its_whole_clause() -> None:
    words = ["report", "about", "council", "be", "publish", "when", "we", "find", "fault"]
    engine = negex(general=["=when =we =find"], terminators=[";"])
    assert engine.scopes(words).negates(0, 1)  # before the trigger, beyond any window
    clause = [*words, ";", "a", "report", "be", "issue"]
    assert not engine.scopes(clause).negates(11, 12)  # the terminator ends it


def test_phrase_alternatives_and_exact_word_forms() -> None:
    engine = negex(preceding=["=we =publish|=issue"])
    assert engine.scopes(["we", "publish", "report"], ["we", "publish", "report"]).negates(2, 3)
    # The lemma of "published" is "publish", but "=publish" asks for the word as written.
    lemmas, words = ["we", "publish", "report"], ["we", "published", "report"]
    assert not engine.scopes(lemmas, words).negates(2, 3)
    assert negex(preceding=["any|every council"]).scopes(["every", "council", "x"]).negates(2, 3)


def test_a_trigger_inside_a_match_is_part_of_the_concern() -> None:
    words = ["we", "remind", "it", "we", "can", "issue", "a", "summons"]
    scopes = negex(general=["can issue"]).scopes(words)
    assert not scopes.negates(1, 8)  # "remind ... summons" holds the trigger
    assert scopes.negates(5, 8)  # "issue a summons" alone is the general statement
    denial = negex(following=["but none"]).scopes(["report", "issue", "but", "none", "here"])
    assert denial.negates(0, 5)  # a denial inside a match still negates it


def test_negation_in_letters() -> None:
    denials = [
        "We have no concerns about how quickly the Council answers our enquiries.",
        "The delays in answering our enquiries that I raised last year have now been resolved.",
        "I am pleased that the Council carried out all our recommendations on time.",
        "We issued 14 public interest reports across England, but none about this Council.",
        "Any council that fails to comply with our recommendations may face a further report.",
        "A witness summons is something we may issue where a council will not cooperate.",
    ]
    assert find_concerns([norm_of(t) for t in denials]) == [[], [], [], [], [], []]
    [[concern]] = find_concerns(
        [norm_of("There has been no improvement in the Council's late replies to our enquiries.")]
    )
    assert concern.kind == "delayed_enquiry_responses"


# --------------------------------------------------------------------------
# The classifier: trained by the project, reproducibly, and loaded offline


def test_training_reproduces_the_shipped_model(tmp_path: Path) -> None:
    info = train(default_corpus(), tmp_path / "model")
    shipped = json.loads((MODEL_DIR / "cues.json").read_text(encoding="utf-8"))
    assert info == shipped, "retrain: python -m lgo_check.extract.concerns.classifier"
    for part in ("textcat_multilabel/model", "config.cfg", "cues.json"):
        assert (tmp_path / "model" / part).read_bytes() == (MODEL_DIR / part).read_bytes(), part


def test_shipped_model_is_small() -> None:
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size < 5_000_000


def test_model_loads_and_finds_concerns_with_no_network() -> None:
    code = (
        "import sys\n"
        "def refuse(event, args):\n"
        "    if event.startswith(('socket.connect', 'socket.getaddrinfo', 'urllib.Request')):\n"
        "        raise OSError('network used: ' + event)\n"
        "sys.addaudithook(refuse)\n"
        "from lgo_check.extract.narrative import find_concerns\n"
        "from lgo_check.model import Source\n"
        "from lgo_check.normalise import normalise\n"
        f"norm = normalise(Source(path='x', format='text', text={MODEL_ONLY!r}))\n"
        "[[concern]] = find_concerns([norm])\n"
        "print(concern.kind, concern.found_by)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["delayed_enquiry_responses", "model"]


@pytest.mark.parametrize("kind", ["delayed_enquiry_responses", "other_concern"])
def test_corpus_labels_are_known_kinds(kind: str) -> None:
    kinds = {
        k
        for path in default_corpus()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for k in json.loads(line)["kinds"]
    }
    assert kind in kinds
