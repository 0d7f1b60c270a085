"""Narrative concerns: the phrasings in narrative_cases.toml, the pattern format, the rules.

Run ``python tests/test_narrative.py`` for precision and recall over the case file
and the cost per letter.
"""

from __future__ import annotations

import json
import re
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

import pytest

from lgo_check.builtin_rules import builtin_rule_pack
from lgo_check.declarative import load_rule_file, load_rule_paths
from lgo_check.extract.narrative import (
    SPLIT_WORDS,
    Aligner,
    ConcernPatternError,
    ShareReader,
    blocks,
    catalogue,
    compile_tokens,
    find_concerns,
    load_catalogue,
    loosen,
    parse_tokens,
    pipeline,
)
from lgo_check.load.text import decode
from lgo_check.model import Concern, ConcernKind, Letter, Source
from lgo_check.normalise import NormalisedText, normalise

HERE = Path(__file__).parent
CASES_FILE = HERE / "narrative_cases.toml"
LETTERS = HERE / "letters"
DATA = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DATA["case"]
BOILERPLATE: str = DATA["boilerplate"]["text"]
# Cases marked tuned = false: a held-out round measured once and deliberately not tuned.
TUNED_CASES = [case for case in CASES if case.get("tuned", True)]
UNTUNED_CASES = [case for case in CASES if not case.get("tuned", True)]

Key = tuple[str, int, Any, Any]


def letter_paths() -> list[Path]:
    return sorted([*LETTERS.glob("*.txt"), *LETTERS.glob("*.md")])


def norm_of(text: str) -> NormalisedText:
    return normalise(Source(path="x", format="text", text=text))


def expected_keys(case: dict[str, Any]) -> list[Key]:
    return sorted(
        (e["kind"], e["line"], e.get("share_pct"), e.get("qualifier")) for e in case["expect"]
    )


def found_keys(concerns: Sequence[Concern]) -> list[Key]:
    return sorted((c.kind, c.line, c.share_pct, c.qualifier) for c in concerns)


# --------------------------------------------------------------------------
# The case file


def test_case_file_is_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    kinds = set(get_args(ConcernKind))
    for case in CASES:
        assert set(case) <= {"id", "text", "expect", "held_out", "known_miss", "tuned"}, case["id"]
        if not case.get("tuned", True):
            assert case.get("held_out") and not case.get("known_miss"), case["id"]
        for concern in case["expect"]:
            assert concern["kind"] in kinds, case["id"]
            assert set(concern) <= {"kind", "line", "share_pct", "qualifier"}, case["id"]
    per_kind = {kind: 0 for kind in kinds}
    for case in CASES:
        for kind in {c["kind"] for c in case["expect"]}:
            per_kind[kind] += 1
    assert min(n for kind, n in per_kind.items() if kind != "other_concern") >= 5, per_kind
    assert sum(1 for case in CASES if not case["expect"]) >= 30


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case["id"],
            marks=[pytest.mark.xfail(strict=True)] if case.get("known_miss") else [],
        )
        # The untuned round is a measurement of unseen wording, not a test: it is
        # scored by running this file as a script (see the bottom of the file).
        for case in TUNED_CASES
    ],
)
def test_case(case: dict[str, Any]) -> None:
    """Each case, by the rules alone: exact kinds, lines and shares.

    The classifier is judged over all cases together (test_precision_and_recall).
    """
    [concerns] = find_concerns([norm_of(case["text"])], use_model=False)
    assert found_keys(concerns) == expected_keys(case)


def test_batch_gives_the_same_as_one_at_a_time() -> None:
    norms = [norm_of(case["text"]) for case in CASES]
    batch = find_concerns(norms)
    single = [find_concerns([norm])[0] for norm in norms]
    assert batch == single


def test_prefilter_hides_no_match() -> None:
    """The word tests only save time: with every pattern, context and exception matched
    by spaCy in every sentence of every block (``prefilter=False``), the same results."""
    norms = [norm_of(case["text"]) for case in CASES] + [norm_of(BOILERPLATE)]
    norms += [norm_of(decode(path.read_bytes())) for path in letter_paths()]
    # The training passages, five to a letter, after the standard paragraphs.
    corpus = [
        json.loads(line)["text"]
        for path in sorted((HERE / "concern_corpus").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    norms += [
        norm_of(BOILERPLATE + "\n\n" + "\n\n".join(corpus[i : i + 5]))
        for i in range(0, len(corpus), 5)
    ]
    found = find_concerns(norms)
    assert sum(map(len, found)) > 500  # the comparison is over many findings
    assert found == find_concerns(norms, prefilter=False)


def test_concern_points_at_its_sentence_in_the_original() -> None:
    for case in CASES:
        norm = norm_of(case["text"])
        for concern in find_concerns([norm])[0]:
            line = case["text"].split("\n")[concern.line - 1]
            first_word = re.match(r"[\w']+", concern.text)
            assert first_word, concern.text
            assert line[concern.span.column - 1 :].startswith(first_word.group()), (
                case["id"],
                line,
            )
            assert concern.span.end_line >= concern.line


def test_boilerplate_letter_has_no_concerns() -> None:
    assert find_concerns([norm_of(BOILERPLATE)]) == [[]]


def test_no_letters() -> None:
    assert find_concerns([]) == []
    assert find_concerns([norm_of("")]) == [[]]


def test_concern_text_is_the_sentence_with_whitespace_collapsed() -> None:
    text = "Your organisation's performance\n\nWe had to **threaten a witness\nsummons** in May.  Other text.\n"
    [[concern]] = find_concerns([norm_of(text)])
    assert concern.kind == "witness_summons"
    assert concern.text == "We had to threaten a witness summons in May."
    assert (concern.line, concern.span.column, concern.span.end_line) == (3, 1, 4)


def test_one_concern_per_kind_per_paragraph_spanning_its_sentences() -> None:
    text = (
        "I am concerned about delays in the Council's replies to our enquiries. The weather\n"
        "was fine. Almost 35% of its responses arrived after our deadline.\n"
    )
    [[concern]] = find_concerns([norm_of(text)])
    assert (concern.line, concern.span.end_line) == (1, 2)
    assert (concern.share_pct, concern.qualifier) == (35, "almost")
    assert "weather" not in concern.text
    assert concern.text.endswith("after our deadline.")


# --------------------------------------------------------------------------
# Letters in tests/letters (the project's own)


def letter_files() -> list[tuple[str, dict[str, Any]]]:
    expected = json.loads((LETTERS / "expected.json").read_text(encoding="utf-8"))
    return [(item["file"], item) for item in expected["letters"]]


@pytest.mark.parametrize(("name", "expected"), letter_files(), ids=[n for n, _ in letter_files()])
def test_project_letters(name: str, expected: dict[str, Any]) -> None:
    norm = norm_of(decode((LETTERS / name).read_bytes()))
    [concerns] = find_concerns([norm])
    want = sorted(
        (c["kind"], c["line"], c.get("share_pct"), c.get("qualifier"))
        for c in expected.get("concerns", [])
    )
    assert found_keys(concerns) == want


# --------------------------------------------------------------------------
# Figures


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("with more than 40% of responses delayed", 40, "more than"),
        ("delays on 94 per cent of our enquiries", 94, None),
        ("Almost 35% of its responses", 35, "almost"),
        ("over a third of our enquiries", 33.3, "over"),
        ("three-quarters of our enquiries", 75, None),
        ("more than half of our enquiries", 50, "more than"),
        ("one in four of the responses", 25, None),
        ("2 out of 3 replies", 66.7, None),
        ("in 12.5% of cases", 12.5, None),
        ("nearly 30 percent of responses", 30, "nearly"),
        ("compared with 28% last year", None, None),
        ("against an average of 99%", None, None),
        ("in the first half of the year", None, None),
        ("on behalf of the Council", None, None),
        ("in 2023 in 12 cases", None, None),
        ("150% of the target", None, None),
    ],
)
def test_share_reader(text: str, value: float | None, qualifier: str | None) -> None:
    shares = list(ShareReader(catalogue()).find(text))
    if value is None:
        assert shares == []
    else:
        assert [(s.value, s.qualifier) for s in shares] == [(value, qualifier)]


def test_share_prefers_the_figure_nearest_the_concern() -> None:
    text = (
        "Compared with 20% last year, 45% of our enquiries were not answered within our deadline."
    )
    [[concern]] = find_concerns([norm_of(text)])
    assert concern.share_pct == 45


# --------------------------------------------------------------------------
# Blocks


def test_blocks_split_at_blank_lines_headings_and_list_items() -> None:
    text = (
        "Your organisation's performance\n"
        "In one case we reminded the Council that we can issue a witness summons.\n"
        "\n"
        "A hard-wrapped paragraph whose lines\n"
        "continue here.\n"
        "- First item.\n"
        "- Second item.\n"
    )
    parts = [text[s:e] for s, e in blocks(text)]
    assert parts == [
        "Your organisation's performance",
        "In one case we reminded the Council that we can issue a witness summons.",
        "A hard-wrapped paragraph whose lines\ncontinue here.",
        "First item.",
        "Second item.",
    ]


def test_paragraph_runs_on_across_a_blanked_page_artefact() -> None:
    text = (
        "I am concerned that in one case we had to threaten a witness\n"
        "Page 2 of 3\n"
        "summons before the Council replied.\n"
        "\n"
        "Next paragraph.\n"
    )
    source = Source(path="x", format="text", text=text)
    norm = normalise(source, [re.compile(r"^Page \d+ of \d+$", re.MULTILINE)])
    assert "Page" not in norm.text
    parts = [norm.text[s:e] for s, e in blocks(norm.text)]
    assert len(parts) == 2 and parts[1] == "Next paragraph."
    [[concern]] = find_concerns([norm])
    assert (concern.kind, concern.line, concern.span.end_line) == ("witness_summons", 1, 3)
    assert concern.text.endswith("threaten a witness summons before the Council replied.")


def test_a_title_block_is_not_a_concern() -> None:
    """A short block that does not end as a sentence does names a topic only."""
    text = "**Public reports**\n\nWe issued a public interest report about the Council.\n"
    [[concern]] = find_concerns([norm_of(text)])
    assert (concern.kind, concern.line) == ("public_report", 3)
    assert find_concerns([norm_of("Witness summons\n")]) == [[]]
    [[concern]] = find_concerns([norm_of("We issued a public report.\n")])
    assert concern.kind == "public_report"


def test_heading_directly_above_a_paragraph_is_not_part_of_its_sentence() -> None:
    text = (
        "Your organisation's performance\n"
        "On two occasions I issued a witness summons to obtain information from the Council.\n"
    )
    [[concern]] = find_concerns([norm_of(text)], use_model=False)
    assert concern.line == 2


# --------------------------------------------------------------------------
# The pattern format


def test_parse_tokens() -> None:
    elements = parse_tokens("late|delayed respon* ~8 enquir*|queries us? !not _ /^31/")
    assert [e.type for e in elements] == [
        "words",
        "words",
        "gap",
        "words",
        "words",
        "words",
        "any",
        "regex",
    ]
    assert elements[0].words == ("late", "delayed")
    assert elements[1].prefixes == ("respon",)
    assert elements[2].gap == 8
    assert elements[3].words == ("queries",) and elements[3].prefixes == ("enquir",)
    assert elements[4].optional and elements[5].negate


@pytest.mark.parametrize(
    "source",
    ["", "~3 late", "late ~3", "late ~0 x", "late ~21 x", "a||b", "/[/ x", "x? _?", "*"],
)
def test_parse_tokens_rejects(source: str) -> None:
    with pytest.raises(ValueError):
        parse_tokens(source)


def test_compile_tokens_splits_what_spacy_splits() -> None:
    tokenizer = pipeline().nlp.tokenizer
    assert compile_tokens(parse_tokens("last year's letter"), tokenizer) == [
        {"LOWER": "last"},
        {"LOWER": "year"},
        {"LOWER": "'s"},
        {"LOWER": "letter"},
    ]
    assert compile_tokens(parse_tokens("respon*|replies ~2 x?"), tokenizer) == [
        {"LOWER": {"REGEX": "^(?:replies$|respon)"}},
        {"OP": "{0,2}"},
        {"LOWER": "x", "OP": "?"},
    ]
    with pytest.raises(ValueError, match="more than one spaCy token"):
        compile_tokens(parse_tokens("year's|years"), tokenizer)
    with pytest.raises(ValueError, match="cannot be optional"):
        compile_tokens(parse_tokens("last year's?"), tokenizer)


def test_loose_matching_with_aligner_equals_bounded_matching() -> None:
    """spaCy gets unbounded gaps (fast); the Aligner restores the bounds exactly."""
    from spacy.matcher import Matcher

    pipe = pipeline()
    nlp = pipe.nlp
    texts = [case["text"] for case in CASES] + [BOILERPLATE]
    texts += ["not " * 30 + "issue " * 5 + "summons", "a b c d e f g h i j k l m n o p"]
    sentences = [sent for doc in nlp.pipe(texts) for sent in doc.sents]
    entries = [(e.label, e.tokens) for e in catalogue().entries()]
    entries += [("test", parse_tokens("not ~2 issue ~1 issue|summons ~3 summons"))]
    for label, elements in entries:
        pattern = compile_tokens(elements, nlp.tokenizer)
        bounded, loose = Matcher(nlp.vocab), Matcher(nlp.vocab)
        bounded.add("x", [pattern])
        loose.add("x", [loosen(pattern)])
        aligner = Aligner(pattern)
        for sent in sentences:
            want = {(s, e) for _, s, e in bounded(sent)}
            words = [t.lower_ for t in sent]
            got = {(s, e) for _, s, e in loose(sent) if aligner.aligns(words[s:e])}
            assert got == want, (label, sent.text)


def test_split_words_cover_spacys_tokenizer() -> None:
    """Words spaCy can cut out of a longer word are never required by the pre-filter."""
    from spacy.lang.char_classes import UNITS

    nlp = pipeline().nlp
    cut = set()
    for surface, pieces in nlp.tokenizer.rules.items():
        runs = set(re.findall(r"\w+", surface.lower()))
        for piece in pieces:
            word = str(next(iter(piece.values()))).lower()
            if re.fullmatch("[a-z]{2,}", word) and word not in runs:
                cut.add(word)
    units = {u.lower() for u in UNITS.split("|") if re.fullmatch("[a-z]{2,}", u.lower())}
    assert cut | units <= SPLIT_WORDS


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


GOOD_COMMON = 'qualifiers = ["over"]\n'
GOOD_KIND = 'kind = "witness_summons"\n[[pattern]]\ntokens = "witness summons"\n'


def test_load_catalogue_reads_a_folder(tmp_path: Path) -> None:
    write(tmp_path, "common.toml", GOOD_COMMON)
    write(tmp_path, "summons.toml", GOOD_KIND)
    cat = load_catalogue(tmp_path)
    assert [k.kind for k in cat.kinds] == ["witness_summons"]
    assert cat.qualifiers == ("over",)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no common.toml"),
        ({"common.toml": "oops = 1"}, "unknown key"),
        ({"common.toml": "qualifiers = 3"}, "'qualifiers': Input should be a valid list"),
        ({"common.toml": GOOD_COMMON + "[fractions]\nhalf = 500\n"}, "'fractions.half'"),
        # Exceptions are NegEx triggers in [negation], not per-kind [[veto]] tables.
        ({"common.toml": "[[veto]]\ntokens = 'x'\n"}, "unknown key 'veto'"),
        ({"k.toml": 'kind = "witness_summons"\n[[pattern]]\ntokens = "x"\n[[veto]]\n'}, "'veto'"),
        ({"common.toml": "[negation]\nwindow = 0\n"}, "'negation.window'"),
        ({"common.toml": "[negation]\nafter = ['x']\n"}, "unknown key 'negation.after'"),
        ({"k.toml": 'kind = "summons"\n[[pattern]]\ntokens = "x"\n'}, "'kind': Input should be"),
        ({"k.toml": 'kind = "witness_summons"\n'}, "'pattern': Field required"),
        ({"k.toml": 'kind = "witness_summons"\npattern = []\n'}, "'pattern': List should have"),
        (
            {"k.toml": 'kind = "witness_summons"\n[[pattern]]\ntokens = "a ~3"\n'},
            "#1: a pattern cannot",
        ),
        (
            {"k.toml": 'kind = "witness_summons"\n[[pattern]]\ntokens = "not /x/"\n'},
            "at least one plain word",
        ),
        (
            {"k.toml": 'kind = "witness_summons"\nshare = "yes"\n[[pattern]]\ntokens = "x"\n'},
            "'share': Input should be a valid boolean",
        ),
        (
            {"k.toml": 'kind = "witness_summons"\n[[pattern]]\ntokens = "xx"\nwhen = 1\n'},
            "unknown key 'pattern.0.when'",
        ),
        ({"k.toml": "kind = "}, "not valid TOML"),
        ({"a.toml": GOOD_KIND, "b.toml": GOOD_KIND}, "defined twice"),
    ],
)
def test_load_catalogue_errors_name_the_file(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    if "common.toml" not in files and files:
        write(tmp_path, "common.toml", GOOD_COMMON)
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ConcernPatternError, match=re.escape(message)) as info:
        load_catalogue(tmp_path)
    if files:
        assert str(tmp_path) in str(info.value)


def test_builtin_catalogue_has_every_kind() -> None:
    cat = catalogue()
    assert [k.kind for k in cat.kinds] == list(get_args(ConcernKind))
    assert (builtin_rule_pack() / "concerns" / "common.toml").is_file()


def test_pipeline_is_built_once() -> None:
    assert pipeline() is pipeline()
    assert pipeline(None) is pipeline()


def test_unknown_spacy_model() -> None:
    with pytest.raises(ValueError, match="cannot be loaded"):
        find_concerns([norm_of("We issued a witness summons to the Council.")], "no_such_model_xx")


# --------------------------------------------------------------------------
# The rules


def test_narrative_rules() -> None:
    rules = {r.name: r for r in load_rule_file(builtin_rule_pack() / "narrative.toml")}
    assert {(r.code, name, r.severity.value, r.spec.concern) for name, r in rules.items()} == {
        ("LGO301", "delayed-enquiry-responses", "warning", "delayed_enquiry_responses"),
        ("LGO302", "repeated-concern", "error", "repeated_concern"),
        ("LGO303", "witness-summons", "error", "witness_summons"),
        ("LGO304", "non-compliance-narrative", "error", "non_compliance"),
        ("LGO305", "public-interest-report", "warning", "public_report"),
        ("LGO306", "other-concern", "warning", "other_concern"),
    }
    for rule in rules.values():
        for section in ("## What it does", "## Why it matters", "## Example"):
            assert section in rule.doc, (rule.name, section)


def test_narrative_rule_messages_quote_figures_and_sentence() -> None:
    rules = {r.name: r for r in load_rule_file(builtin_rule_pack() / "narrative.toml")}
    text = (
        "In last year's letter we raised concerns about late responses to our enquiries, and\n"
        "this year more than 40% of responses were delayed.\n"
    )
    letter = Letter(concerns=find_concerns([norm_of(text)])[0])
    rule = rules["delayed-enquiry-responses"]
    [hit] = list(rule.check(letter, rule.Options()))
    assert hit.message.startswith(
        "The Ombudsman reports delays in responding to its enquiries "
        "(more than 40% of responses delayed): \"In last year's letter"
    )
    assert hit.span is not None and (hit.span.line, hit.span.end_line) == (1, 2)
    rule = rules["repeated-concern"]
    [hit] = list(rule.check(letter, rule.Options()))
    assert "recurred" in hit.message and "In last year's letter" in hit.message


def test_rule_pack_still_loads_with_the_concerns_folder() -> None:
    names = {rule.name for rule in load_rule_paths([builtin_rule_pack()])}
    assert "witness-summons" in names


# --------------------------------------------------------------------------
# Precision and recall over the case file; cost per letter


def score(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts of phrasings, negatives and misses, and precision and recall by (kind, line)."""
    results = find_concerns([norm_of(case["text"]) for case in cases])
    true_pos = false_pos = false_neg = 0
    missed: list[str] = []
    for case, concerns in zip(cases, results, strict=True):
        want = {(e["kind"], e["line"]) for e in case["expect"]}
        got = {(c.kind, c.line) for c in concerns}
        true_pos += len(want & got)
        false_pos += len(got - want)
        false_neg += len(want - got)
        if want != got:
            missed.append(case["id"])
    return {
        "positive_cases": sum(1 for c in cases if c["expect"]),
        "negative_cases": sum(1 for c in cases if not c["expect"]),
        "expected_concerns": true_pos + false_neg,
        "true_positives": true_pos,
        "false_positives": false_pos,
        "false_negatives": false_neg,
        "precision": true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0,
        "recall": true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0,
        "cases_wrong": missed,
    }


def test_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    """Rules and classifier together, over the tuned cases (none of them is training data).

    The untuned round is scored by running this file as a script.
    """
    result = score(TUNED_CASES)
    with capsys.disabled():
        print(f"\nnarrative cases (tuned): {result}")
    assert result["precision"] >= 0.9
    assert result["recall"] >= 0.95


def cost_per_letter(norms: Sequence[NormalisedText], copies: int = 100) -> float:
    """Milliseconds per letter for find_concerns over copies of the letters (warm, best of 3)."""
    batch = list(norms) * copies
    find_concerns(batch[:10])
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        find_concerns(batch)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / len(batch)


if __name__ == "__main__":
    import sys

    print(json.dumps(score(TUNED_CASES), indent=2))
    held = [c for c in TUNED_CASES if c.get("held_out")]
    print("held-out tuned cases only:", json.dumps(score(held)))
    print("untuned round (generalisation):", json.dumps(score(UNTUNED_CASES)))
    paths = [Path(p) for p in sys.argv[1:]] or letter_paths()
    letters = [norm_of(decode(p.read_bytes())) for p in paths]
    cost = cost_per_letter(letters)
    print(f"find_concerns: {cost:.2f} ms per letter over {len(letters)} letters x 100")
