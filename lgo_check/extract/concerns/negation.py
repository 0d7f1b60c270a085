"""Negation, resolution and denial: one NegEx-style step for every kind and for the model.

After Chapman et al.'s NegEx: a *trigger* phrase negates the concern words within
its *scope*. Preceding triggers ("no", "there was no need to") reach forward,
following triggers ("... have been resolved", "... is rare") reach back; a scope
ends at a terminator ("but", "however", ";") or after ``window`` tokens.
Pseudo-negations look like triggers but are not ("no improvement", "not yet
resolved", "no response"): they are read first and their tokens trigger nothing.

A concern is negated when a trigger reaches its words. Negation that is part of
a concern ("no reply was received", "not yet resolved") is a pseudo-negation, and
a bare "not" is no trigger at all ("did not comply" is the concern). Every phrase is written in
``rules/concerns/common.toml`` under ``[negation]`` and compared by lemma.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Termsets:
    """The NegEx phrase lists, as lemma sequences."""

    preceding: tuple[Phrase, ...]
    following: tuple[Phrase, ...]
    either: tuple[Phrase, ...]  # reach both ways ("has improved")
    pseudo: tuple[Phrase, ...]
    terminators: tuple[Phrase, ...]
    window: int = 10

    @classmethod
    def from_words(
        cls,
        lemmatise: Callable[[str], Phrase],
        *,
        preceding: Iterable[str],
        following: Iterable[str],
        either: Iterable[str],
        pseudo: Iterable[str],
        terminators: Iterable[str],
        window: int,
    ) -> Termsets:
        def phrases(items: Iterable[str]) -> tuple[Phrase, ...]:
            return tuple(p for p in (lemmatise(item) for item in items) if p)

        return cls(
            phrases(preceding),
            phrases(following),
            phrases(either),
            phrases(pseudo),
            phrases(terminators),
            window,
        )


@dataclass(frozen=True)
class Scopes:
    """The triggers found in a sentence and the tokens each one negates."""

    triggers: tuple[tuple[int, int, int, int], ...]  # (trigger start, end, scope start, end)

    def negates(self, start: int, end: int) -> bool:
        """Whether a trigger reaches any of the tokens start:end."""
        return any(s_start < end and start < s_end for _, _, s_start, s_end in self.triggers)

    def negates_most(self, positions: Sequence[int]) -> bool:
        """Whether triggers reach at least half of these tokens."""
        reached = sum(1 for i in positions if self.negates(i, i + 1))
        return bool(positions) and 2 * reached >= len(positions)


class NegEx:
    """Finds negation scopes in a sentence given as lemmas."""

    def __init__(self, termsets: Termsets) -> None:
        self.termsets = termsets
        self._phrases: dict[str, list[tuple[Phrase, str]]] = {}
        for role, items in (
            ("pseudo", termsets.pseudo),
            ("preceding", termsets.preceding),
            ("following", termsets.following),
            ("either", termsets.either),
            ("terminator", termsets.terminators),
        ):
            for phrase in items:
                self._phrases.setdefault(phrase[0], []).append((phrase, role))
        for options in self._phrases.values():
            # Longest first, and pseudo-negations before triggers of the same length.
            order = {"pseudo": 0, "terminator": 1, "preceding": 2, "following": 3, "either": 4}
            options.sort(key=lambda item: (-len(item[0]), order[item[1]]))

    def scopes(self, lemmas: Sequence[str]) -> Scopes:
        found: list[tuple[int, int, str]] = []
        i, n = 0, len(lemmas)
        while i < n:
            for phrase, role in self._phrases.get(lemmas[i], ()):
                if tuple(lemmas[i : i + len(phrase)]) == phrase:
                    found.append((i, i + len(phrase), role))
                    i += len(phrase)
                    break
            else:
                i += 1
        if all(role in ("pseudo", "terminator") for _, _, role in found):
            return Scopes(())
        stops = [s for s, _, role in found if role == "terminator"]
        window = self.termsets.window
        triggers: list[tuple[int, int, int, int]] = []
        for start, end, role in found:
            if role in ("preceding", "either"):
                limit = min([n, end + window, *(s for s in stops if s >= end)])
                triggers.append((start, end, end, limit))
            if role in ("following", "either"):
                begin = max([0, start - window, *(s + 1 for s in stops if s < start)])
                triggers.append((start, end, begin, start))
        return Scopes(tuple(triggers))
