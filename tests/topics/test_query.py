"""The topic query parser: precedence, groups, phrases, folding and errors with positions."""

from __future__ import annotations

import pytest

from core.errors import QuerySyntaxError
from topics.query import And, Node, Not, Phrase, Term, evaluate, leaves, parse_query
from topics.text import compounds, tokenize


def shape(node: Node) -> str:
    """A compact rendering of the tree, to compare structure without positions."""
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Phrase):
        return f'"{node.text}"'
    if isinstance(node, Not):
        return f"NOT {shape(node.operand)}"
    joiner = " & " if isinstance(node, And) else " | "
    return "(" + joiner.join(shape(operand) for operand in node.operands) + ")"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ceasefire", "ceasefire"),
        ("a b", "(a & b)"),
        ("a AND b AND c", "(a & b & c)"),
        ("a OR b c", "(a | (b & c))"),
        ("a b OR c", "((a & b) | c)"),
        ("a OR b AND NOT c", "(a | (b & NOT c))"),
        ("NOT a b", "(NOT a & b)"),
        ("(a OR b) c", "((a | b) & c)"),
        ("a -b", "(a & NOT b)"),
        ('a -"b c"', '(a & NOT "b c")'),
        ("a -(b OR c)", "(a & NOT (b | c))"),
        ("cease-fire", "cease-fire"),
        ("war and peace or not", "(war & and & peace & or & not)"),
        ('"Resolution 1701"', '"Resolution 1701"'),
        ("\u201cResolution 1701\u201d", '"Resolution 1701"'),
        ("((a))", "a"),
    ],
)
def test_parses_with_precedence_not_and_or(query: str, expected: str) -> None:
    assert shape(parse_query(query)) == expected


def test_design_example_parses_into_two_alternatives() -> None:
    tree = parse_query('(Lebanon OR Hezbollah OR Beirut) AND (ceasefire OR truce OR "Resolution 1701")')
    assert shape(tree) == '((Lebanon | Hezbollah | Beirut) & (ceasefire | truce | "Resolution 1701"))'


def test_terms_keep_their_text_tokens_and_offsets() -> None:
    tree = parse_query('Lebanon AND "U.S. envoy" cease-fire')
    assert isinstance(tree, And)
    assert tree.operands == (
        Term("Lebanon", ("lebanon",), 0),
        Phrase("U.S. envoy", ("us", "envoy"), 12),
        Term("cease-fire", ("cease", "fire"), 25),
    )
    assert tree.operands[2].joined == "ceasefire"


def test_leaves_know_which_terms_are_negated() -> None:
    found = [(leaf.text, negated) for leaf, negated in leaves(parse_query("a NOT (b OR NOT c)"))]
    assert found == [("a", False), ("b", True), ("c", False)]


def test_evaluate_follows_the_tree() -> None:
    tree = parse_query("(a OR b) NOT c")
    assert evaluate(tree, lambda leaf, fields: leaf.text in {"a"})
    assert not evaluate(tree, lambda leaf, fields: leaf.text in {"a", "c"})
    assert not evaluate(tree, lambda leaf, fields: leaf.text in {"c"})


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        ("(Lebanon OR Hezbollah", 0, "unclosed parenthesis"),
        ("Lebanon (ceasefire", 8, "unclosed parenthesis"),
        ("Lebanon) ceasefire", 7, "unmatched ')'"),
        (")", 0, "unmatched ')'"),
        ("Lebanon ()", 9, "empty parentheses"),
        ('Lebanon "cease fire', 8, "unclosed quote"),
        ("Lebanon AND", 8, "AND needs a term after it"),
        ("OR Lebanon", 0, "OR needs a term before it"),
        ("Lebanon OR OR truce", 11, "OR needs a term before it"),
        ("(Lebanon AND) truce", 9, "AND needs a term after it"),
        ("NOT", 0, "NOT needs a term after it"),
        ("Lebanon NOT", 8, "NOT needs a term after it"),
        ("NOT Gaza", 0, "the query matches articles that contain none of its terms"),
        ("Lebanon OR -Gaza", 11, "the query matches articles that contain none of its terms"),
        ("Lebanon - Gaza", 8, "'-' must be glued to the term it excludes"),
        ("Lebanon !!!", 8, "'!!!' holds no letters or digits"),
        ('Lebanon ""', 8, "empty phrase"),
    ],
)
def test_malformed_queries_raise_with_position_and_hint(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(query)
    error = raised.value
    assert (error.position, error.query) == (position, query)
    assert str(error).startswith(f"{message} at position {position}")
    assert error.hint


def test_error_message_points_at_the_problem() -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query("Lebanon (ceasefire")
    assert str(raised.value).splitlines()[1:3] == ["  Lebanon (ceasefire", "          ^"]


def test_query_errors_are_configuration_errors() -> None:
    with pytest.raises(ValueError, match="unclosed quote"):
        parse_query('"ceasefire')


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Cease-Fire", ["cease", "fire"]),
        ("cease\u2013fire cease\u2014fire cease\u2011fire cease\u2212fire", ["cease", "fire"] * 4),
        ("U.S. envoy, U.N. council", ["us", "envoy", "un", "council"]),
        ("Mikati\u2019s office; Israel's army", ["mikati", "office", "israel", "army"]),
        ("Résolution 1701 in \u015eanl\u0131urfa", ["resolution", "1701", "in", "sanl\u0131urfa"]),
        ("STRASSE Straße \ufb01re", ["strasse", "strasse", "fire"]),
        ("and/or 1,000 of 3.5 ", ["and", "or", "1000", "of", "3.5"]),
        ("don't", ["dont"]),
        ("!!! --- ///", []),
    ],
)
def test_tokenize_folds_case_diacritics_dashes_and_abbreviations(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_tokenize_keeps_marks_that_are_vowels_in_other_scripts() -> None:
    assert tokenize("हिन्दी") == ["हिन्दी"]


def test_compounds_glue_dash_joined_words() -> None:
    assert compounds("a cease-fire and a Cease\u2013Fire, not a cease fire") == ["ceasefire", "ceasefire"]
