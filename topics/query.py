"""The topic query language: terms, "quoted phrases", AND, OR, NOT, -term and parentheses.

Grammar (operators are case-sensitive: lowercase ``and``/``or``/``not`` are ordinary words)::

    query   := or_expr END
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*          adjacent terms are joined by an implicit AND
    unary   := ("NOT" | "-") unary | near       "-" only when glued to what follows: -Gaza
    near    := scoped ("NEAR/n" scoped)*        both sides terms or phrases, at most n words apart
    scoped  := FIELD ":" primary | primary      FIELD is title, text, source or lang
    primary := WORD | WORD* | PHRASE | "... WORD*" | "(" or_expr ")"

so NOT binds tighter than AND, and AND tighter than OR. A term and a phrase are both folded
by ``topics.text.tokenize`` and matched by their joined form (see ``topics.matcher``), so
``cease-fire``, ``"cease fire"`` and ``ceasefire`` mean the same.

``negotiat*`` matches any word that starts with ``negotiat`` (at least three letters before the
star); in a phrase the star may end the last word: ``"border secur*"`` matches "border security"
and "border-secured". ``title:`` and ``text:`` restrict a term or group to one field; ``source:``
and ``lang:`` compare the article's site name and language. Regular expressions are not
supported (a pattern such as ``(a+)+$`` could take forever): a query that looks like one is
rejected with a hint. Nothing here reaches SQL or a full-text engine, so a topic such as
``'; DROP TABLE`` is only words: the matcher evaluates queries in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import QuerySyntaxError
from topics.text import tokenize

_QUOTES = '"\u201c\u201d\u201e'
_OPERATORS = {"AND": "and", "OR": "or", "NOT": "not"}
_OPERAND_STARTS = frozenset({"word", "phrase", "lparen", "not", "scope"})
FIELDS = ("title", "text")
FILTERS = ("source", "lang")
MIN_PREFIX = 3
MAX_NEAR = 100
_NEAR = re.compile(r"NEAR/(\d+)")


@dataclass(frozen=True, slots=True)
class _Words:
    """What a term and a phrase both are: the text as written, its folded tokens, its offset in
    the query, and whether it ends in a wildcard."""

    text: str
    tokens: tuple[str, ...]
    position: int
    prefix: bool = False

    @property
    def joined(self) -> str:
        """The folded tokens concatenated: the string the matcher looks for."""
        return "".join(self.tokens)


@dataclass(frozen=True, slots=True)
class Term(_Words):
    """A word as written (``cease-fire``), its folded tokens and its offset in the query.

    ``prefix`` marks a wildcard (``negotiat*``): any word starting with the joined tokens.
    """


@dataclass(frozen=True, slots=True)
class Phrase(_Words):
    """A quoted phrase (``text`` without the quotes), its folded tokens and its offset.

    ``prefix`` marks a wildcard on the last word (``"border secur*"``).
    """


@dataclass(frozen=True, slots=True)
class Near:
    """Two terms or phrases at most ``distance`` words apart, in either order, in one field."""

    left: Term | Phrase
    right: Term | Phrase
    distance: int
    position: int


@dataclass(frozen=True, slots=True)
class Scope:
    """``operand`` must match within ``field`` (title or text)."""

    field: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Filter:
    """A metadata test: ``source:reuters`` or ``lang:en`` (folded, exact)."""

    field: str
    value: str
    position: int


@dataclass(frozen=True, slots=True)
class And:
    """All operands must match."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one operand must match."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The operand must not match; ``position`` is the offset of ``NOT`` or ``-``."""

    operand: Node
    position: int


Leaf = Term | Phrase | Near | Filter
Node = Term | Phrase | Near | Filter | Scope | And | Or | Not
# Whether a leaf occurs, in the given fields (None: any field).
Presence = Callable[[Leaf, "tuple[str, ...] | None"], bool]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word, phrase, and, or, not, near, scope, lparen, rparen, end
    text: str
    position: int


def parse_query(query: str) -> Node:
    """The syntax tree of ``query``; raises QuerySyntaxError with the offset and a hint."""
    tokens = _lex(query)
    if tokens[0].kind == "end":
        raise QuerySyntaxError("empty query", query=query, position=0, hint="write a term, e.g. ceasefire")
    node = _Parser(query, tokens).parse()
    if evaluate(node, lambda leaf, fields: False):
        raise QuerySyntaxError(
            "the query matches articles that contain none of its terms",
            query=query,
            position=min(_not_positions(node), default=0),
            hint="combine NOT with a term that must be present: ceasefire NOT Gaza",
        )
    return node


def evaluate(node: Node, present: Presence, fields: tuple[str, ...] | None = None) -> bool:
    """Whether ``node`` holds when ``present(leaf, fields)`` tells which leaves occur where."""
    if isinstance(node, Term | Phrase | Near | Filter):
        return present(node, fields)
    if isinstance(node, Scope):
        return evaluate(node.operand, present, (node.field,))
    if isinstance(node, And):
        return all(evaluate(operand, present, fields) for operand in node.operands)
    if isinstance(node, Or):
        return any(evaluate(operand, present, fields) for operand in node.operands)
    return not evaluate(node.operand, present, fields)


def leaves(node: Node, *, negated: bool = False) -> list[tuple[Leaf, bool]]:
    """Every leaf in query order, each with whether it sits under an odd number of NOTs."""
    if isinstance(node, Term | Phrase | Near | Filter):
        return [(node, negated)]
    if isinstance(node, Scope):
        return leaves(node.operand, negated=negated)
    if isinstance(node, Not):
        return leaves(node.operand, negated=not negated)
    return [found for operand in node.operands for found in leaves(operand, negated=negated)]


def _not_positions(node: Node) -> list[int]:
    """The offsets of the outermost NOTs in ``node``."""
    if isinstance(node, Not):
        return [node.position]
    if isinstance(node, And | Or):
        return [position for operand in node.operands for position in _not_positions(operand)]
    return []


def _lex(query: str) -> list[_Token]:
    """The query's tokens, ending with an ``end`` token; raises on an unclosed quote or a lone ``-``."""
    tokens: list[_Token] = []
    at = 0
    while at < len(query):
        char = query[at]
        if char.isspace():
            at += 1
        elif char in "()":
            tokens.append(_Token("lparen" if char == "(" else "rparen", char, at))
            at += 1
        elif char in _QUOTES:
            at = _lex_phrase(query, at, tokens)
        elif char == "-":
            at = _lex_minus(query, at, tokens)
        elif char == "/":
            raise QuerySyntaxError(
                "regular expressions are not supported",
                query=query,
                position=at,
                hint='use words, "phrases", prefix* wildcards and NEAR/n instead',
            )
        else:
            at = _lex_word(query, at, tokens)
    tokens.append(_Token("end", "", len(query)))
    return tokens


def _lex_phrase(query: str, start: int, tokens: list[_Token]) -> int:
    end = next((i for i in range(start + 1, len(query)) if query[i] in _QUOTES), -1)
    if end < 0:
        raise QuerySyntaxError(
            "unclosed quote", query=query, position=start, hint='close the phrase with a second "'
        )
    tokens.append(_Token("phrase", query[start + 1 : end], start))
    return end + 1


def _lex_minus(query: str, start: int, tokens: list[_Token]) -> int:
    following = query[start + 1 : start + 2]
    if not following or following.isspace() or following in ")-":
        raise QuerySyntaxError(
            "'-' must be glued to the term it excludes",
            query=query,
            position=start,
            hint="write -Gaza or NOT Gaza",
        )
    tokens.append(_Token("not", "-", start))
    return start + 1


def _lex_word(query: str, start: int, tokens: list[_Token]) -> int:
    end = start
    while end < len(query) and not query[end].isspace() and query[end] not in f"(){_QUOTES}":
        end += 1
    text = query[start:end]
    field, colon, rest = text.partition(":")
    if colon and field.lower() in FIELDS + FILTERS:
        tokens.append(_Token("scope", field.lower(), start))
        return start + len(field) + 1 if not rest else _lex_word(query, start + len(field) + 1, tokens)
    if _NEAR.fullmatch(text):
        tokens.append(_Token("near", text, start))
        return end
    tokens.append(_Token(_OPERATORS.get(text, "word"), text, start))
    return end


class _Parser:
    """Recursive descent over the lexer's tokens; one method per grammar rule."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0

    def parse(self) -> Node:
        node = self._or()
        extra = self._peek()
        if extra.kind != "end":  # only a stray ")" can stop the top-level rule early
            raise self._error("unmatched ')'", extra.position, "remove it or add a '(' before the group")
        return node

    def _or(self) -> Node:
        operands = [self._and()]
        while self._peek().kind == "or":
            self._advance()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._unary()]
        while self._peek().kind == "and" or self._peek().kind in _OPERAND_STARTS:
            if self._peek().kind == "and":
                self._advance()
            operands.append(self._unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _unary(self) -> Node:
        token = self._peek()
        if token.kind == "not":
            self._advance()
            return Not(self._unary(), token.position)
        return self._near()

    def _near(self) -> Node:
        left = self._scoped()
        while self._peek().kind == "near":
            operator = self._advance()
            distance = int(operator.text.split("/")[1])
            if not 1 <= distance <= MAX_NEAR:
                raise self._error(f"NEAR distance must be 1 to {MAX_NEAR}", operator.position, "write NEAR/5")
            right = self._scoped()
            for side in (left, right):
                if not isinstance(side, Term | Phrase):
                    raise self._error(
                        "NEAR joins two terms or phrases",
                        operator.position,
                        'write ceasefire NEAR/5 "Hezbollah"',
                    )
            assert isinstance(left, Term | Phrase) and isinstance(right, Term | Phrase)
            left = Near(left, right, distance, operator.position)
        return left

    def _scoped(self) -> Node:
        token = self._peek()
        if token.kind != "scope":
            return self._primary()
        self._advance()
        if token.text in FILTERS:
            value = self._advance()
            if value.kind not in ("word", "phrase") or not tokenize(value.text):
                raise self._error(f"{token.text}: needs a value", token.position, f"write {token.text}:VALUE")
            return Filter(token.text, " ".join(tokenize(value.text)), token.position)
        if self._peek().kind not in ("word", "phrase", "lparen"):
            raise self._error(
                f"{token.text}: needs a term",
                token.position,
                f"write {token.text}:Lebanon or {token.text}:(a OR b)",
            )
        return Scope(token.text, self._primary())

    def _primary(self) -> Node:
        previous = self.tokens[self.index - 1] if self.index else None
        token = self._advance()
        if token.kind in ("word", "phrase"):
            return self._leaf(token)
        if token.kind == "lparen":
            return self._group(token)
        raise self._missing_operand(token, previous)

    def _group(self, opening: _Token) -> Node:
        if self._peek().kind == "rparen":
            raise self._error("empty parentheses", self._peek().position, "put a term between ( and )")
        node = self._or()
        if self._advance().kind != "rparen":
            raise self._error("unclosed parenthesis", opening.position, "add a ')' to close the group")
        return node

    def _leaf(self, token: _Token) -> Term | Phrase:
        tokens = tuple(tokenize(token.text))
        if not tokens:
            what = "empty phrase" if token.kind == "phrase" else f"{token.text!r} holds no letters or digits"
            raise self._error(what, token.position, "a term needs at least one letter or digit")
        written = token.text.strip()
        prefix = written.endswith("*")
        if "*" in written.rstrip("*") or (prefix and len("".join(tokens)) < MIN_PREFIX):
            raise self._error(
                "a wildcard goes at the end of a word of at least three letters",
                token.position,
                'write negotiat* or "border secur*" (matches negotiate, border security, ...)',
            )
        if token.kind == "phrase":
            return Phrase(token.text, tokens, token.position, prefix)
        return Term(token.text, tokens, token.position, prefix)

    def _missing_operand(self, token: _Token, previous: _Token | None) -> QuerySyntaxError:
        """The error for an operator or ``)`` where a term should be."""
        if token.kind in ("and", "or"):
            return self._error(f"{token.text} needs a term before it", token.position, _OPERAND_HINT)
        if previous is None:  # the query starts with ")"
            return self._error("unmatched ')'", token.position, "remove it or add a '(' before the group")
        return self._error(f"{previous.text} needs a term after it", previous.position, _OPERAND_HINT)

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def _error(self, message: str, position: int, hint: str) -> QuerySyntaxError:
        return QuerySyntaxError(message, query=self.query, position=position, hint=hint)


_OPERAND_HINT = "operators join two terms: Lebanon AND ceasefire, NOT takes one: NOT Gaza"
