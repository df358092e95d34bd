"""Where a word sequence occurs in a tokenised field, with spacing and hyphenation folded.

A term is matched by its *joined* form: its tokens concatenated ("cease-fire" -> "ceasefire").
A field matches when some run of consecutive field tokens concatenates to exactly that string,
so "ceasefire", "cease-fire" and "cease fire" all match each other, while token boundaries are
respected: "fire" does not match inside the single token "ceasefire".

The field's tokens are joined into one string once; each lookup is a ``str.find`` loop that
keeps only occurrences starting and ending on token boundaries, so a lookup costs about one
pass over the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TokenIndex:
    """One field's tokens, joined, with the offsets where tokens start and end."""

    tokens: tuple[str, ...]
    joined: str
    starts: dict[int, int]  # character offset in ``joined`` -> token position
    ends: frozenset[int]

    @classmethod
    def build(cls, tokens: Sequence[str]) -> TokenIndex:
        """The index of ``tokens`` (already folded, as ``topics.text.tokenize`` returns them)."""
        starts: dict[int, int] = {}
        ends: set[int] = set()
        offset = 0
        for position, token in enumerate(tokens):
            starts[offset] = position
            offset += len(token)
            ends.add(offset)
        return cls(tuple(tokens), "".join(tokens), starts, frozenset(ends))

    def positions(self, joined: str) -> tuple[int, ...]:
        """Token positions where a run of tokens concatenates to ``joined``; () when none does."""
        if not joined:
            return ()
        found: list[int] = []
        at = self.joined.find(joined)
        while at >= 0:
            start = self.starts.get(at)
            if start is not None and at + len(joined) in self.ends:
                found.append(start)
            at = self.joined.find(joined, at + 1)
        return tuple(found)
