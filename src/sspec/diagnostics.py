"""One diagnostic type for every stage, and its two renderers (text and JSON).

A stage never prints or raises on bad input: it returns `Diagnostic`s, which the
CLI renders. Messages are plain text; colour is added by the text renderer, and
only when it writes to a terminal.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Span:
    """A region of a source file: 1-based lines and columns, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int, column: int) -> "Span":
        return cls(file, line, column, line, column + 1)

    @classmethod
    def whole_file(cls, file: str) -> "Span":
        """For what concerns the file as a whole: no snippet is printed."""
        return cls(file, 1, 1, 1, 1)

    @property
    def empty(self) -> bool:
        return (self.line, self.column) == (self.end_line, self.end_column)

    def to(self, other: "Span") -> "Span":
        """The span from the start of `self` to the end of `other`."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    notes: tuple[str, ...] = ()
    help: str | None = None
    label: str | None = None  # the short text printed beside the carets
    related: Span | None = None  # an earlier place the message refers to (shown above)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_error(self) -> "Diagnostic":
        """The same diagnostic promoted to an error (`check --strict`)."""
        return dataclasses.replace(self, severity=Severity.ERROR)

    def to_json(self) -> dict:
        span = self.span
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "notes": list(self.notes),
            "help": self.help,
        }


def error(code: str, message: str, span: Span | None, *, notes=(), help=None,
          label=None, related=None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, tuple(notes), help, label, related)


def warning(code: str, message: str, span: Span | None, *, notes=(), help=None,
            label=None, related=None) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, tuple(notes), help, label,
                      related)


def note(code: str, message: str, span: Span | None, *, notes=(), help=None) -> Diagnostic:
    return Diagnostic(code, Severity.NOTE, message, span, tuple(notes), help)


def sort_key(d: Diagnostic):
    s = d.span
    return (s.file, s.line, s.column, d.code) if s else ("", 0, 0, d.code)


# ---------------------------------------------------------------- rendering

_COLOURS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m",
            Severity.NOTE: "\033[1;36m"}
_BOLD, _BLUE, _RESET = "\033[1m", "\033[1;34m", "\033[0m"


@dataclass
class TextRenderer:
    """Compiler-style text: location, severity, code, message, snippet, carets.

    `sources` maps file names to their text, for the snippets; a diagnostic
    whose file is not there is printed without one.
    """

    sources: dict[str, str] = field(default_factory=dict)
    colour: bool = False
    _split: dict[str, list[str] | None] = field(default_factory=dict, repr=False)

    def _c(self, style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if self.colour else text

    def render(self, d: Diagnostic) -> str:
        head = f"{d.severity.value}[{d.code}]"
        head = self._c(_COLOURS[d.severity], head)
        loc = f"{d.span.file}:{d.span.line}:{d.span.column}: " if d.span else ""
        out = [f"{self._c(_BOLD, loc)}{head}: {self._c(_BOLD, d.message)}"]
        out += self._snippet(d)
        for note in d.notes:
            out.append(f"   {self._c(_BLUE, '=')} note: {note}")
        if d.help:
            out.append(f"   {self._c(_BLUE, '=')} help: {d.help}")
        return "\n".join(out)

    def _lines(self, file: str) -> list[str] | None:
        if file not in self._split:
            text = self.sources.get(file)
            self._split[file] = None if text is None else text.splitlines()
        return self._split[file]

    def _snippet(self, d: Diagnostic) -> list[str]:
        span = d.span
        lines = self._lines(span.file) if span else None
        if lines is None or span.empty:
            return []
        if not 1 <= span.line <= len(lines) + 1:
            return []
        first = span.line
        related = d.related
        if related and related.file == span.file and 0 < span.line - related.line <= 4:
            first = related.line  # show the place the message refers to, just above
        width = len(str(span.line))
        gutter = self._c(_BLUE, " " * width + " |")
        out = [gutter]
        for number in range(first, span.line + 1):
            text = lines[number - 1] if number <= len(lines) else ""
            # tabs count as one column, so carets line up with the columns
            out.append(self._c(_BLUE, f"{number:>{width}} |") + " " + text.expandtabs(1))
        line_text = lines[span.line - 1].expandtabs(1) if span.line <= len(lines) else ""
        start = span.column
        stop = span.end_column if span.end_line == span.line else len(line_text) + 1
        stop = max(stop, start + 1)
        carets = " " * (start - 1) + "^" * (stop - start)
        if d.label:
            carets += " " + d.label
        out.append(gutter + " " + self._c(_COLOURS[d.severity], carets))
        return out

    def render_all(self, diagnostics: list[Diagnostic]) -> str:
        blocks = [self.render(d) for d in diagnostics]
        if summary(diagnostics):
            blocks.append(summary(diagnostics))
        return "\n\n".join(blocks)


def summary(diagnostics: list[Diagnostic]) -> str:
    """`2 errors, 1 warning`."""
    counts = [(sum(d.severity is sev for d in diagnostics), sev.value) for sev in Severity]
    return ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n)


def render_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2)
