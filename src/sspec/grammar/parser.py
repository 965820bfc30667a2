"""Text to parse tree. Syntax errors come back as diagnostics, said in words.

The LALR parser is built once per process (and cached on disk by Lark between
processes), so parsing costs next to nothing after the first call.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, Span, error

GRAMMAR = Path(__file__).with_name("sspec.lark")

# How each terminal is said in a message.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "QUANTITY": "a duration such as `10ep`",
    "STRING": "a string",
    "$END": "the end of the file",
}


@functools.lru_cache(maxsize=None)
def _parser(start: str) -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        start=start,
        propagate_positions=True,
        maybe_placeholders=True,
        cache=True,
    )


@functools.lru_cache(maxsize=None)
def _literal_terminals() -> dict[str, str]:
    """Anonymous terminal name (`LPAR`, `TRAIN`) → its text (`(`, `train`)."""
    words = {}
    for term in _parser("start").terminals:
        if term.pattern.type == "str":
            words[term.name] = term.pattern.value
    return words


def describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    literal = _literal_terminals().get(name)
    return f"`{literal}`" if literal is not None else name.lower()


def _expected_words(expected) -> str:
    expected = {t for t in expected if not t.startswith("_")}
    if {"TRAIN", "SCHEDULE", "HOOK"} <= expected and "RBRACE" not in expected:
        return ("a statement: `train {`, `let`, `model =`, `data =`, `optimizer`, "
                "`schedule` or `hook`")
    if "NAME" in expected:  # keywords that may stand for a name add only noise
        literals = _literal_terminals()
        expected = {t for t in expected if not literals.get(t, "").isidentifier()}
    words = sorted({describe_terminal(t) for t in expected})
    if len(words) > 8:
        words = words[:8] + ["..."]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _token_text(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    text = str(token)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"`{text}`"


class ParseError(Exception):
    """A syntax error, carried as a diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def parse(text: str, filename: str = "<recipe>") -> Tree:
    """Parse a whole recipe. Raises ParseError with a located diagnostic."""
    return _parse(text, filename, "start")


def parse_value(text: str, filename: str = "<--set>") -> Tree | Token:
    """Parse one value (the right side of `--set KEY=VALUE`): an expression."""
    return _parse(text, filename, "value").children[0]


def _parse(text: str, filename: str, start: str) -> Tree:
    try:
        return _parser(start).parse(text)
    except UnexpectedInput as exc:
        raise ParseError(_diagnose(exc, text, filename)) from None


def _diagnose(exc: UnexpectedInput, text: str, filename: str) -> Diagnostic:
    def span(line, column, length=1):
        return Span(filename, line, column, line, column + max(length, 1))

    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        message = f"unexpected character `{char}`"
        help = None
        if char in "\"'":
            message = "unterminated string"
            help = "close the string on the same line"
        return error("E002", message, span(exc.line, exc.column), help=help)

    if isinstance(exc, UnexpectedEOF) or (
            isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        lines = text.splitlines() or [""]
        last = len(lines)
        col = len(lines[-1]) + 1
        return error("E003", "unexpected end of file; expected "
                     + _expected_words(exc.expected), span(last, col),
                     help=_hint(exc.expected, None))

    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    before = text[:tok.start_pos]
    detached = _DETACHED_UNIT.search(before) or (
        _NUMBER_BEFORE.search(before) if str(tok) in ("it", "ep") else None)
    if detached is not None:  # `5 ep`: the unit was read as a name
        unit_start = detached.start(2) if detached.re is _DETACHED_UNIT else tok.start_pos
        unit = detached.group(2) if detached.re is _DETACHED_UNIT else str(tok)
        line = text.count("\n", 0, unit_start) + 1
        column = unit_start - (text.rfind("\n", 0, unit_start) + 1) + 1
        return error("E001", f"unexpected `{unit}` after a number",
                     span(line, column, len(unit)),
                     help=f"a unit is glued to its number: `{detached.group(1)}{unit}`")
    missing = _MISSING_SCHEDULER.search(before)
    if missing is not None and str(tok) in ("iter", "epoch"):
        start = missing.start(1)
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        return error("E001", "a phase needs a scheduler before `per`", span(line, column, 3),
                     help="write `[begin, end) Scheduler(...) per iter`")
    length = len(str(tok)) if tok.end_line == tok.line else 1
    return error("E001", f"unexpected {_token_text(tok)}; expected "
                 + _expected_words(exc.expected),
                 span(tok.line, tok.column, length), help=_hint(exc.expected, tok))


def _hint(expected, token: Token | None) -> str | None:
    """A targeted fix for the mistakes people make most."""
    got = token.type if token is not None else None
    if "RPAR" in expected and got == "RSQB":
        return "a phase is a half-open interval: write `[begin, end)`"
    if got == "COLON":
        return "arguments and settings are written `name = value`"
    if got == "EQUAL" and "LPAR" in expected:
        return "a label comes right after `hook`: `hook ema = EMAHook(...)`"
    return None


_ESCAPE = re.compile(r"\\(.)")
# `[0ep, 10ep) per iter`: `per` was read as the scheduler's name.
_MISSING_SCHEDULER = re.compile(r"\)\s*(per)\s*\Z")
# A number and blanks just before the error token (when that token is a unit).
_NUMBER_BEFORE = re.compile(r"(?<![\w.])(\d[\d_.]*(?:[eE][+-]?\d+)?)[ \t]+()\Z")
# A number, blanks, then a unit, then only blanks before the error position.
_DETACHED_UNIT = re.compile(r"(?<![\w.])(\d[\d_.]*(?:[eE][+-]?\d+)?)[ \t]+(it|ep)\b\s*\Z")


def unquote(token: str) -> str:
    """The text of a STRING token, with backslash escapes resolved."""
    escapes = {"n": "\n", "t": "\t"}
    return _ESCAPE.sub(lambda m: escapes.get(m.group(1), m.group(1)), token[1:-1])
