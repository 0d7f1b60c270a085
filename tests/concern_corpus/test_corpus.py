"""The concern corpus is well formed, and the sealed rounds share no wording with training."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TRAIN_KINDS = {
    "delayed_enquiry_responses",
    "witness_summons",
    "repeated_concern",
    "non_compliance",
    "public_report",
    "other_concern",
}
SCORER_KINDS = (TRAIN_KINDS - {"public_report"}) | {"public_interest_report"}


def train() -> list[dict[str, Any]]:
    lines = (HERE / "train.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def batches() -> dict[str, list[dict[str, Any]]]:
    """Every training file (train.jsonl and the later train-*.jsonl batches), by name."""
    return {
        path.name: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted(HERE.glob("train*.jsonl"))
    }


def round_7() -> list[dict[str, Any]]:
    return sealed_round(7)


def sealed_round(number: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        (HERE / f"untuned-round-{number}.json").read_text(encoding="utf-8")
    )
    return items


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))


def test_training_file_is_well_formed_sorted_and_large_enough() -> None:
    rows = train()
    ids = [row["id"] for row in rows]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for row in rows:
        assert set(row) == {"id", "text", "kinds", "note"}, row["id"]
        assert set(row["kinds"]) <= TRAIN_KINDS and len(row["kinds"]) == len(set(row["kinds"]))
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", row["text"])) <= 3, row["id"]
    per_kind = Counter(kind for row in rows for kind in row["kinds"])
    assert len(rows) >= 600 and min(per_kind[k] for k in TRAIN_KINDS) >= 60, per_kind
    assert sum(1 for row in rows if not row["kinds"]) >= 200
    assert len({row["text"] for row in rows}) == len(rows)


def test_every_batch_is_well_formed_and_sorted() -> None:
    seen: set[str] = set()
    for name, rows in batches().items():
        ids = [row["id"] for row in rows]
        assert ids == sorted(ids), name
        assert len({row["text"] for row in rows}) == len(rows), name
        for row in rows:
            assert set(row) == {"id", "text", "kinds", "note"}, (name, row["id"])
            assert set(row["kinds"]) <= TRAIN_KINDS, (name, row["id"])
            assert len(row["kinds"]) == len(set(row["kinds"])), (name, row["id"])
            assert row["id"] not in seen, (name, row["id"])
            seen.add(row["id"])


def test_round_7_is_in_the_scorers_format() -> None:
    items = round_7()
    assert len({item["id"] for item in items}) == len(items) >= 80
    for item in items:
        assert item["source"] == "written" and item["in_range"] is True, item["id"]
        kinds = item["kinds"]
        assert kinds == ["no_concern"] or (kinds and set(kinds) <= SCORER_KINDS), item["id"]
        assert re.fullmatch(r"20\d\d-\d\d", item["year"]), item["id"]


def test_round_7_shares_no_eight_word_run_with_the_training_data() -> None:
    """Round 7 is sealed: training text must not borrow its sentences."""
    size = 8
    sealed = set()
    for item in round_7():
        ws = words(item["text"])
        sealed |= {tuple(ws[i : i + size]) for i in range(len(ws) - size + 1)}
    borrowed = []
    for row in (row for rows in batches().values() for row in rows):
        ws = words(row["text"])
        if any(tuple(ws[i : i + size]) in sealed for i in range(len(ws) - size + 1)):
            borrowed.append(row["id"])
    assert borrowed == []


def test_round_8_is_in_the_scorers_format() -> None:
    items = sealed_round(8)
    assert [item["id"] for item in items] == [f"R8-{i:03d}" for i in range(1, len(items) + 1)]
    assert len(items) >= 100
    for item in items:
        assert item["source"] == "written" and item["in_range"] is True, item["id"]
        kinds = item["kinds"]
        assert kinds == ["no_concern"] or (kinds and set(kinds) <= SCORER_KINDS), item["id"]
        assert re.fullmatch(r"20\d\d-\d\d", item["year"]), item["id"]
        assert item["share_pct"] is None or 0 <= item["share_pct"] <= 100, item["id"]
    per_kind = Counter(kind for item in items for kind in item["kinds"])
    assert min(per_kind[k] for k in SCORER_KINDS) >= 15, per_kind
    assert per_kind["no_concern"] >= 25, per_kind


def test_round_8_shares_no_eight_word_run_with_training_or_round_7() -> None:
    """Round 8 is sealed and written apart: no run of eight words in common with either."""
    size = 8
    sealed = set()
    for item in sealed_round(8):
        ws = words(item["text"])
        sealed |= {tuple(ws[i : i + size]) for i in range(len(ws) - size + 1)}
    others = [(row["id"], row["text"]) for rows in batches().values() for row in rows]
    others += [(item["id"], item["text"]) for item in round_7()]
    shared = []
    for ident, text in others:
        ws = words(text)
        if any(tuple(ws[i : i + size]) in sealed for i in range(len(ws) - size + 1)):
            shared.append(ident)
    assert shared == []


def test_round_9_is_in_the_scorers_format() -> None:
    items = sealed_round(9)
    assert [item["id"] for item in items] == [f"R9-{i:03d}" for i in range(1, len(items) + 1)]
    assert len(items) >= 140
    for item in items:
        assert item["source"] == "written" and item["in_range"] is True, item["id"]
        kinds = item["kinds"]
        assert kinds == ["no_concern"] or (kinds and set(kinds) <= SCORER_KINDS), item["id"]
        assert len(kinds) == len(set(kinds)), item["id"]
        assert re.fullmatch(r"20\d\d-\d\d", item["year"]), item["id"]
        assert item["share_pct"] is None or 0 <= item["share_pct"] <= 100, item["id"]
        assert isinstance(item["borderline"], bool) and item["note"], item["id"]
    per_kind = Counter(kind for item in items for kind in item["kinds"])
    assert min(per_kind[k] for k in SCORER_KINDS) >= 15, per_kind
    assert per_kind["no_concern"] >= 30, per_kind


def test_round_9_shares_no_eight_word_run_with_training_or_earlier_rounds() -> None:
    """Round 9 is sealed and written apart: no run of eight words in common with the training
    batches, round 7 or round 8. A failure names the run, so its author can reword round 9
    without reading the other file."""
    size = 8
    sealed: dict[tuple[str, ...], str] = {}
    for item in sealed_round(9):
        ws = words(item["text"])
        for i in range(len(ws) - size + 1):
            sealed.setdefault(tuple(ws[i : i + size]), item["id"])
    others = [(row["id"], row["text"]) for rows in batches().values() for row in rows]
    others += [(item["id"], item["text"]) for number in (7, 8) for item in sealed_round(number)]
    shared = set()
    for ident, text in others:
        ws = words(text)
        for i in range(len(ws) - size + 1):
            run = tuple(ws[i : i + size])
            if run in sealed:
                shared.add((sealed[run], ident, " ".join(run)))
    assert sorted(shared) == []
