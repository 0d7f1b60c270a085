"""Negation, resolution and denial: one NegEx-style step for every kind and for the model.

After Chapman et al.'s NegEx: a *trigger* phrase negates the concern words within
its *scope*. Preceding triggers ("no", "there was no need to") reach forward,
following triggers ("... have been resolved", "... is rare") reach back; a scope
ends at a terminator ("but", "however", ";") or after ``window`` tokens.
Pseudo-negations look like triggers but are not ("no improvement", "not yet
resolved", "no response"): they are read first and their tokens trigger nothing.

A concern is negated when a trigger reaches its words; a general statement
(below) wholly inside a match is part of the concern ("we reminded the Council
that we can issue a summons"). Negation that is part of a concern ("no reply was
received", "not yet resolved") is a pseudo-negation, and a bare "not" is no
trigger at all ("did not comply" is the concern).

Besides denial and resolution, ``general`` triggers cover what ConText (Harkema
et al., NegEx's successor) calls hypothetical and other-experiencer statements:
general statements about councils or the Ombudsman's powers ("any council that
fails to ...", "we can issue a summons") and the Ombudsman's own work ("our own
response times"). They are not concerns about this body, for every kind alike;
their scope is the whole clause (both ways, up to a terminator).

Every phrase is written in ``rules/concerns/common.toml`` under ``[negation]`` and
compared by lemma. In a phrase, ``a|b`` is either word, ``_`` any one word, and
``=word`` the word exactly as written (for a tense or a plural that matters:
"we =publish" is a general statement, "we published" a report).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

#: A phrase: per position, the lemmas it accepts ("=word": that exact word; "_": any).
Phrase = tuple[frozenset[str], ...]
ANY = "_"


@dataclass(frozen=True)
class Termsets:
    """The NegEx phrase lists, as lemma sequences."""

    preceding: tuple[Phrase, ...]
    following: tuple[Phrase, ...]
    either: tuple[Phrase, ...]  # reach both ways ("has improved")
    pseudo: tuple[Phrase, ...]
    terminators: tuple[Phrase, ...]
    window: int = 10
    #: Statements not about this body ("any council that ...", "we can issue ..."):
    #: they reach both ways as far as a terminator, whatever the window.
    general: tuple[Phrase, ...] = ()

    @classmethod
    def from_words(
        cls,
        lemmatise: Callable[[str], tuple[str, ...]],
        *,
        preceding: Iterable[str],
        following: Iterable[str],
        either: Iterable[str],
        pseudo: Iterable[str],
        terminators: Iterable[str],
        window: int,
        general: Iterable[str] = (),
    ) -> Termsets:
        def phrase(item: str) -> Phrase:
            out: list[frozenset[str]] = []
            for word in item.split():
                options: list[tuple[str, ...]] = []
                for option in word.split("|"):
                    if option == ANY or option.startswith("="):
                        options.append((option,))
                    else:
                        options.append(lemmatise(option))
                # An option of several tokens ("can't") stands for its tokens in a row;
                # alternatives of different lengths are not allowed.
                if len({len(o) for o in options}) != 1:
                    raise ValueError(f"negation phrase {item!r}: {word!r} mixes lengths")
                out.extend(frozenset(column) for column in zip(*options, strict=True))
            return tuple(out)

        def phrases(items: Iterable[str]) -> tuple[Phrase, ...]:
            return tuple(p for p in (phrase(item) for item in items) if p)

        return cls(
            phrases(preceding),
            phrases(following),
            phrases(either),
            phrases(pseudo),
            phrases(terminators),
            window,
            phrases(general),
        )


@dataclass(frozen=True)
class Scopes:
    """The triggers found in a sentence and the tokens each one negates."""

    #: (trigger start, end, scope start, end, whether it is a general statement)
    triggers: tuple[tuple[int, int, int, int, bool], ...]

    def negates(self, start: int, end: int) -> bool:
        """Whether a trigger reaches any of the tokens start:end.

        A general statement wholly inside them is part of the concern ("we reminded
        the Council that we can issue a summons"); a denial is not ("reports were
        issued, but none about the Council").
        """
        return any(
            s_start < end and start < s_end and not (general and start <= t_start and t_end <= end)
            for t_start, t_end, s_start, s_end, general in self.triggers
        )

    def negates_most(self, positions: Sequence[int]) -> bool:
        """Whether triggers reach at least half of these tokens."""
        reached = sum(1 for i in positions if self.negates(i, i + 1))
        return bool(positions) and 2 * reached >= len(positions)


_ROLE_ORDER = {
    "pseudo": 0,
    "terminator": 1,
    "preceding": 2,
    "following": 3,
    "either": 4,
    "general": 5,
}


def _priority(option: tuple[Phrase, str]) -> tuple[int, int]:
    """Longest phrase first, and pseudo-negations before triggers of the same length."""
    return -len(option[0]), _ROLE_ORDER[option[1]]


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
            ("general", termsets.general),
        ):
            for phrase in items:
                if ANY in phrase[0]:
                    raise ValueError("a negation phrase cannot start with '_'")
                for first in phrase[0]:
                    self._phrases.setdefault(first, []).append((phrase, role))
        for options in self._phrases.values():
            options.sort(key=_priority)

    def scopes(self, lemmas: Sequence[str], words: Sequence[str] | None = None) -> Scopes:
        """The triggers of a sentence given as lemmas (and its lower-case words, for "=word")."""
        exact = ["=" + w for w in (lemmas if words is None else words)]
        found: list[tuple[int, int, str]] = []
        i, n = 0, len(lemmas)

        def fits(phrase: Phrase, at: int) -> bool:
            if at + len(phrase) > n:
                return False
            return all(
                ANY in column or lemmas[at + k] in column or exact[at + k] in column
                for k, column in enumerate(phrase)
            )

        while i < n:
            options = itertools.chain(
                self._phrases.get(lemmas[i], ()), self._phrases.get(exact[i], ())
            )
            for phrase, role in sorted(options, key=_priority):
                if fits(phrase, i):
                    found.append((i, i + len(phrase), role))
                    i += len(phrase)
                    break
            else:
                i += 1
        if all(role in ("pseudo", "terminator") for _, _, role in found):
            return Scopes(())
        stops = [s for s, _, role in found if role == "terminator"]
        window = self.termsets.window
        triggers: list[tuple[int, int, int, int, bool]] = []
        for start, end, role in found:
            if role == "general":
                limit = min([n, *(s for s in stops if s >= end)])
                begin = max([0, *(s + 1 for s in stops if s < start)])
                triggers.append((start, end, begin, limit, True))
                continue
            if role in ("preceding", "either"):
                limit = min([n, end + window, *(s for s in stops if s >= end)])
                triggers.append((start, end, end, limit, False))
            if role in ("following", "either"):
                begin = max([0, start - window, *(s + 1 for s in stops if s < start)])
                triggers.append((start, end, begin, start, False))
        return Scopes(tuple(triggers))
