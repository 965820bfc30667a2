"""Read an MMEngine config with Python's `ast`, never running it.

`load(path)` gives the config as MMEngine's `Config.fromfile` would: each file
is evaluated in its own scope, with `_base_` bound to the merge of its bases;
its top-level names are then merged into that dict (dicts key by key, with
`_delete_=True` replacing instead, everything else replaced). Evaluation
covers what configs use — literals, `dict(...)`/`list(...)`/`tuple(...)`,
constant arithmetic, names bound earlier in the file, `_base_.x` and
`{{_base_.x}}` — and skips the rest with a warning, leaving an `Opaque` value
that an error reports only if the recipe needs it.

Every dict and list remembers where each of its items was written (`Meta`),
so diagnostics point at config lines.
"""

from __future__ import annotations

import ast
import builtins
import operator
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic, Span, error, warning

BASE_KEY = "_base_"
DELETE_KEY = "_delete_"
_BUILTIN_CALLS = ("dict", "list", "tuple")


@dataclass(frozen=True)
class Meta:
    """Where a value was written, and how to spell it in a recipe when it is
    a number literal or constant arithmetic on literals (`1.5e-4 * 4096 / 256`)."""

    span: Span | None
    text: str | None = None
    name: str | None = None     # the config name the number was read from (`lr=lr`)


class Opaque:
    """A value the importer did not compute (the code was skipped)."""

    def __init__(self, span: Span | None, what: str):
        self.span = span
        self.what = what

    def __repr__(self) -> str:
        return f"<not evaluated: {self.what}>"


class Node(dict):
    """A config dict; `metas[key]` says where each item was set."""

    def __init__(self, *args, span: Span | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.span = span
        self.metas: dict[Any, Meta] = {}

    def meta(self, key) -> Meta:
        return self.metas.get(key) or Meta(self.span)

    def set(self, key, value, meta: Meta) -> None:
        self[key] = value
        self.metas[key] = meta

    def copy(self) -> "Node":
        out = Node(self, span=self.span)
        out.metas = dict(self.metas)
        return out


class Seq(list):
    """A config list; `metas[i]` says where each element was written."""

    def __init__(self, items=(), metas=(), span: Span | None = None):
        super().__init__(items)
        self.metas = list(metas) or [Meta(span)] * len(self)
        self.span = span

    def meta(self, index: int) -> Meta:
        return self.metas[index] if 0 <= index < len(self.metas) else Meta(self.span)


class Tup(tuple):
    """A config tuple, with the same `metas` as `Seq`."""

    def __new__(cls, items=(), metas=(), span: Span | None = None):
        obj = super().__new__(cls, items)
        obj.metas = list(metas) or [Meta(span)] * len(obj)
        obj.span = span
        return obj

    def meta(self, index: int) -> Meta:
        return self.metas[index] if 0 <= index < len(self.metas) else Meta(self.span)


@dataclass
class Loaded:
    """A whole config: the merged top-level dict and every file read."""

    path: str
    cfg: Node | None
    files: list[str] = field(default_factory=list)      # the config, then its bases in order
    finished: list[str] = field(default_factory=list)   # bases before the files naming them
    sources: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Fatal(Exception):
    """Reading cannot go on (the diagnostic is already recorded)."""


# ------------------------------------------------------------------ loading

def load(path: str) -> Loaded:
    loader = _Loader()
    result = Loaded(path, None)
    try:
        result.cfg = loader.file(path, stack=())
    except _Fatal:
        result.cfg = None
    result.files = loader.order
    result.finished = loader.finished
    result.sources = loader.sources
    result.diagnostics = loader.diagnostics
    return result


class _Loader:
    def __init__(self):
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, str] = {}
        self.order: list[str] = []
        self.finished: list[str] = []      # files in the order their evaluation ended
        self._seen: set[tuple] = set()

    def report(self, d: Diagnostic) -> None:
        key = (d.code, d.span, d.message)
        if key not in self._seen:
            self._seen.add(key)
            self.diagnostics.append(d)

    def file(self, path: str, stack: tuple[str, ...], named_at: Span | None = None) -> Node:
        text = self.read(path, named_at)
        if path not in self.order:
            self.order.append(path)
        try:
            tree = ast.parse(text, filename=path)
        except SyntaxError as exc:
            line = exc.lineno or 1
            col = exc.offset or 1
            self.report(error("E602", f"syntax error in config: {exc.msg}",
                              Span(path, line, col, line, col + 1),
                              help="the config must be valid Python; MMEngine could not "
                                   "load it either"))
            raise _Fatal from exc
        except (ValueError, RecursionError) as exc:  # null bytes, absurd nesting
            self.report(error("E602", f"config cannot be parsed: {exc}", Span.whole_file(path)))
            raise _Fatal from exc
        positions = _Positions(path, text)
        self.lazy_check(tree, positions)
        base_cfg = self.bases(tree, path, positions, stack + (os.path.abspath(path),))
        scope = _Scope(self, positions, base_cfg)
        scope.run(tree.body)
        merged = merge_into(scope.result(), base_cfg, self, positions)
        self.finished.append(path)
        return merged

    def read(self, path: str, named_at: Span | None) -> str:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            if named_at is not None:
                self.report(error("E603", f"base config `{path}` not found"
                                  if isinstance(exc, FileNotFoundError) else
                                  f"base config `{path}` cannot be read: {exc.strerror}",
                                  named_at,
                                  help="a base is resolved relative to the directory of the "
                                       "config that names it"))
            else:
                self.report(error("E601", f"cannot read config `{path}`: {exc.strerror}",
                                  Span.whole_file(path)))
            raise _Fatal from exc
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.report(error("E601", f"config `{path}` is not UTF-8 text (byte {exc.start})",
                              Span.whole_file(path)))
            raise _Fatal from exc
        self.sources[path] = text
        return text

    # -------------------------------------------------------------- new-style configs
    def lazy_check(self, tree: ast.Module, positions: "_Positions") -> None:
        """MMEngine's own test (`Config._is_lazy_import`), in its order."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id == BASE_KEY:
                return
            lazy = None
            if isinstance(node, ast.With):
                lazy = "`with read_base():`"
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    lazy = "a relative import"
                elif node.module and not (node.module == "mmengine" and len(node.names) == 1
                                          and node.names[0].name == "Config") \
                        and not _is_builtin_module(node.module):
                    lazy = f"`from {node.module} import ...`"
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if not _is_builtin_module(a.name)]
                if names:
                    lazy = f"`import {names[0]}`"
            if lazy is not None:
                self.report(error(
                    "E609", f"new-style (lazy-import) config: {lazy}", positions.span(node),
                    notes=["MMEngine reads a config that imports non-standard modules as a "
                           "lazy-import config, whose types are Python objects"],
                    help="the importer reads classic configs, with `_base_ = [...]` and "
                         "`type='Name'` strings"))
                raise _Fatal

    # -------------------------------------------------------------- bases
    def bases(self, tree: ast.Module, path: str, positions: "_Positions",
              stack: tuple[str, ...]) -> Node:
        """The merge of the files `_base_` names (MMEngine: the first top-level
        assignment to `_base_`)."""
        merged = Node(span=None)
        stmt = next((s for s in tree.body if isinstance(s, ast.Assign)
                     and isinstance(s.targets[0], ast.Name) and s.targets[0].id == BASE_KEY), None)
        if stmt is None:
            return merged
        scope = _Scope(self, positions, Node())
        value, _ = scope.expr(stmt.value)
        items: list[tuple[Any, Span]]
        if isinstance(value, (list, tuple)):
            items = [(v, value.meta(i).span if hasattr(value, "meta") else positions.span(stmt))
                     for i, v in enumerate(value)]
        else:
            items = [(value, positions.span(stmt.value))]
        first_seen: dict[str, str] = {}
        for name, span in items:
            if not isinstance(name, str):
                self.report(error("E604", "`_base_` must be a path or a list of paths",
                                  span or positions.span(stmt)))
                raise _Fatal
            if "::" in name:
                self.report(error("E604", f"base `{name}` is in another package",
                                  span, notes=["MMEngine finds it in the installed package "
                                               f"`{name.partition('::')[0]}`; the importer "
                                               "reads only files on disk"],
                                  help="copy that base next to the config and name it by "
                                       "its relative path"))
                raise _Fatal
            base_path = os.path.normpath(os.path.join(os.path.dirname(path), name))
            if not base_path.endswith(".py"):
                self.report(error("E604", f"base `{name}` is not a Python config", span,
                                  help="the importer reads `.py` configs only"))
                raise _Fatal
            if os.path.abspath(base_path) in stack:
                self.report(error("E604", f"base `{name}` includes itself", span,
                                  notes=["chain: " + " → ".join(os.path.basename(p)
                                                               for p in stack + (base_path,))]))
                raise _Fatal
            cfg = self.file(base_path, stack, named_at=span)
            for key in cfg:
                if key in merged:
                    self.report(error(
                        "E605", f"key `{key}` is defined by two bases: "
                        f"`{first_seen[key]}` and `{name}`", span,
                        notes=["MMEngine refuses this: \"Duplicate key is not allowed "
                               "among bases\""],
                        help="keep the key in one base, or set it in this config"))
                    raise _Fatal
                first_seen[key] = name
                # MMEngine turns each base into fresh ConfigDicts: no aliasing survives.
                merged.set(key, deep_copy(cfg[key]), cfg.meta(key))
        return merged


def _is_builtin_module(name: str) -> bool:
    top = name.split(".")[0]
    return top in sys.stdlib_module_names or top in sys.builtin_module_names


# ------------------------------------------------------------------ merging

def merge_into(child: Node, base: Node, loader: _Loader | None = None,
               positions: "_Positions | None" = None) -> Node:
    """MMEngine's `Config._merge_a_into_b(child, base)`, not in place."""
    out = base.copy()
    if child.span is not None:
        out.span = child.span
    for key, value in child.items():
        meta = child.meta(key)
        if isinstance(value, Node):
            delete = bool(value.get(DELETE_KEY, False))
            value = _without_delete(value)
            if key in out and not delete:
                if not isinstance(out[key], Node):
                    if loader is not None:
                        loader.report(error(
                            "E606", f"`{key}` is a dict here but {_kind(out[key])} in the base",
                            meta.span, notes=[f"the base sets it at {_where(out.meta(key).span)}"],
                            help="add `_delete_=True` to this dict to replace the base value"))
                        raise _Fatal
                    out.set(key, value, meta)
                    continue
                merged = merge_into(value, out[key], loader, positions)
                out.set(key, merged, meta)
            else:
                out.set(key, value, meta)
        else:
            out.set(key, value, meta)
    return out


def deep_copy(value: Any) -> Any:
    if isinstance(value, Node):
        out = Node(span=value.span)
        for k, v in value.items():
            out.set(k, deep_copy(v), value.meta(k))
        return out
    if isinstance(value, Seq):
        return Seq([deep_copy(v) for v in value], value.metas, value.span)
    if isinstance(value, Tup):
        return Tup([deep_copy(v) for v in value], value.metas, value.span)
    return value


def _without_delete(node: Node) -> Node:
    if DELETE_KEY not in node:
        return node
    out = node.copy()
    del out[DELETE_KEY]
    out.metas.pop(DELETE_KEY, None)
    return out


def _kind(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "another value"


def _where(span: Span | None) -> str:
    if span is None:
        return "an unknown line"
    return f"{os.path.basename(span.file)} line {span.line}"


# ------------------------------------------------------------------ positions

class _Positions:
    """ast positions (1-based lines, 0-based UTF-8 byte columns) as Spans."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.lines = text.splitlines()

    def column(self, line: int, byte_col: int) -> int:
        if 1 <= line <= len(self.lines):
            raw = self.lines[line - 1].encode("utf-8")[:byte_col]
            return len(raw.decode("utf-8", "ignore")) + 1
        return byte_col + 1

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        col = self.column(line, getattr(node, "col_offset", 0))
        end_col_raw = getattr(node, "end_col_offset", None)
        end_col = self.column(end_line, end_col_raw) if end_col_raw is not None else col + 1
        return Span(self.path, line, col, end_line, end_col)

    def segment(self, node: ast.AST) -> str | None:
        line = getattr(node, "lineno", None)
        if line is None or getattr(node, "end_lineno", None) != line:
            return None
        raw = self.lines[line - 1].encode("utf-8")
        return raw[node.col_offset:node.end_col_offset].decode("utf-8", "ignore")


# ------------------------------------------------------------------ evaluation

_BINOPS = {
    ast.Add: (operator.add, "+", 1), ast.Sub: (operator.sub, "-", 1),
    ast.Mult: (operator.mul, "*", 2), ast.Div: (operator.truediv, "/", 2),
    ast.FloorDiv: (operator.floordiv, "//", 2), ast.Mod: (operator.mod, "%", 2),
    ast.Pow: (operator.pow, "**", 4), ast.BitOr: (operator.or_, "|", 0),
}
_CMPOPS = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
    ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_SKIPPED_EXPRS = {
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.Lambda: "a lambda", ast.Await: "`await`",
    ast.Yield: "`yield`", ast.YieldFrom: "`yield from`", ast.Starred: "a starred expression",
}
_PRECEDENCE_ATOM = 9
_MAX_SIZE = 10_000_000  # a `[0] * 10**9` would exhaust memory before anything else


class _Scope:
    """One config file's module scope."""

    def __init__(self, loader: _Loader, positions: _Positions, base: Node):
        self.loader = loader
        self.pos = positions
        self.base = base
        self.names: dict[str, tuple[Any, Meta]] = {}
        self.dropped: set[str] = set()      # functions, classes and modules: not config keys

    # -------------------------------------------------------------- diagnostics
    def skip(self, node: ast.AST, what: str, *, notes=()) -> Opaque:
        span = self.pos.span(node)
        self.loader.report(warning("W603", f"{what} is not evaluated", span, notes=list(notes),
                                   help="the importer reads configs without running them"))
        return Opaque(span, what)

    def fail(self, code: str, message: str, node: ast.AST, **kw) -> Opaque:
        span = self.pos.span(node)
        self.loader.report(error(code, message, span, **kw))
        return Opaque(span, message)

    # -------------------------------------------------------------- statements
    def run(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def result(self) -> Node:
        out = Node(span=None)
        for name, (value, meta) in self.names.items():
            if name.startswith("__") or name in self.dropped:
                continue
            out.set(name, value, meta)
        return out

    def bind(self, name: str, value: Any, meta: Meta) -> None:
        self.names[name] = (value, meta)
        self.dropped.discard(name)

    def statement(self, stmt: ast.stmt) -> None:
        span = self.pos.span(stmt)
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and stmt.targets[0].id == BASE_KEY:
                return  # MMEngine removes `_base_ = ...` before running the file
            value, meta = self.expr(stmt.value)
            for target in stmt.targets:
                self.assign(target, value, Meta(span, meta.text), stmt)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                value, meta = self.expr(stmt.value)
                self.assign(stmt.target, value, Meta(span, meta.text), stmt)
        elif isinstance(stmt, ast.AugAssign):
            if isinstance(stmt.target, ast.Name):
                fake = ast.BinOp(left=ast.Name(id=stmt.target.id, ctx=ast.Load()), op=stmt.op,
                                 right=stmt.value)
                ast.copy_location(fake, stmt)
                fake.end_lineno, fake.end_col_offset = stmt.end_lineno, stmt.end_col_offset
                fake.left.lineno, fake.left.col_offset = stmt.target.lineno, stmt.target.col_offset
                fake.left.end_lineno = stmt.target.end_lineno
                fake.left.end_col_offset = stmt.target.end_col_offset
                value, _ = self.expr(fake)
                self.bind(stmt.target.id, value, Meta(span))
            else:
                self.skip(stmt, "an augmented assignment into a container")
        elif isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant):
                return  # a docstring or a bare literal
            self.skip(stmt, "an expression statement")
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                name = (alias.asname or alias.name).split(".")[0]
                self.bind(name, Opaque(span, f"module `{alias.name}`"), Meta(span))
                self.dropped.add(name)
            self.skip(stmt, "an import")
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bind(stmt.name, Opaque(span, f"`{stmt.name}`"), Meta(span))
            self.dropped.add(stmt.name)
            kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
            self.skip(stmt, f"the {kind} definition `{stmt.name}`")
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id in self.names:
                    del self.names[target.id]
                else:
                    self.skip(target, "a `del` of anything but a name")
        elif isinstance(stmt, (ast.Pass, ast.Global, ast.Nonlocal)):
            return
        else:
            what = {ast.If: "an `if` statement", ast.For: "a `for` loop",
                    ast.While: "a `while` loop", ast.With: "a `with` statement",
                    ast.Try: "a `try` statement", ast.Assert: "an `assert`"}.get(
                type(stmt), "a statement")
            bound = sorted({t.id for n in ast.walk(stmt) for t in _targets(n)})
            for name in bound:
                self.bind(name, Opaque(span, f"`{name}`, set in {what}"), Meta(span))
            notes = [f"names it sets are unknown: {', '.join(bound)}"] if bound else []
            self.skip(stmt, what, notes=notes)

    def assign(self, target: ast.expr, value: Any, meta: Meta, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value, meta)
        elif isinstance(target, (ast.Tuple, ast.List)):
            names = target.elts
            if isinstance(value, (list, tuple)) and len(value) == len(names) \
                    and not any(isinstance(n, ast.Starred) for n in names):
                for i, (n, v) in enumerate(zip(names, value)):
                    sub = value.meta(i) if hasattr(value, "meta") else meta
                    self.assign(n, v, Meta(meta.span, sub.text), stmt)
            else:
                for n in names:
                    for t in _targets_of(n):
                        self.bind(t, Opaque(meta.span, "unpacking"), meta)
                if not isinstance(value, Opaque):
                    self.skip(target, "an unpacking assignment")
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            self.store(target, value, meta)
        else:
            self.skip(target, "an assignment to this target")

    def store(self, target: ast.Attribute | ast.Subscript, value: Any, meta: Meta) -> None:
        """`_base_.a.b = v`, `cfg['k'] = v`: set an item of a dict (MMEngine's
        ConfigDict takes both spellings; the child's `_base_` is the merged base)."""
        container, _ = self.expr(target.value)
        if isinstance(container, Opaque):
            return
        if isinstance(target, ast.Attribute):
            key = target.attr
        else:
            key, _ = self.expr(target.slice)
            if isinstance(key, Opaque):
                return
        if isinstance(container, Node) and isinstance(key, (str, int)):
            container.set(key, value, meta)
        elif isinstance(container, Seq) and isinstance(key, int) \
                and -len(container) <= key < len(container):
            container[key] = value
            container.metas[key] = meta
        else:
            self.skip(target, "an assignment into this value")

    # -------------------------------------------------------------- expressions
    def expr(self, node: ast.expr) -> tuple[Any, Meta]:
        try:
            return self._expr(node)
        except RecursionError:
            span = self.pos.span(node)
            return self.fail("E608", "expression is nested too deeply", node), Meta(span)

    def _expr(self, node: ast.expr) -> tuple[Any, Meta]:
        span = self.pos.span(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value, Meta(span, _number_text(self.pos.segment(node), value))
            if isinstance(value, (str, bool)) or value is None:
                return value, Meta(span)
            return self.skip(node, f"the literal `{self.pos.segment(node)}`"), Meta(span)
        if isinstance(node, ast.Name):
            return self.name(node, span)
        if isinstance(node, ast.Attribute):
            obj, _ = self._expr(node.value)
            return self.item(obj, node.attr, node, attribute=True)
        if isinstance(node, ast.Subscript):
            obj, _ = self._expr(node.value)
            if isinstance(node.slice, ast.Slice):
                return self.slice(obj, node)
            key, _ = self._expr(node.slice)
            return self.item(obj, key, node)
        if isinstance(node, ast.BinOp):
            return self.binop(node, span)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, span)
        if isinstance(node, ast.BoolOp):
            values = [self._expr(v)[0] for v in node.values]
            if any(isinstance(v, Opaque) for v in values):
                return Opaque(span, "a boolean operation"), Meta(span)
            result = values[0]
            for v in values[1:]:
                if isinstance(node.op, ast.And):
                    result = result and v
                else:
                    result = result or v
            return result, Meta(span)
        if isinstance(node, ast.Compare):
            left, _ = self._expr(node.left)
            result = True
            for op, comp in zip(node.ops, node.comparators):
                right, _ = self._expr(comp)
                if isinstance(left, Opaque) or isinstance(right, Opaque):
                    return Opaque(span, "a comparison"), Meta(span)
                try:
                    ok = _CMPOPS[type(op)](left, right)
                except TypeError as exc:
                    return self.fail("E608", f"comparison fails: {exc}", node), Meta(span)
                result = result and ok
                left = right
            return result, Meta(span)
        if isinstance(node, ast.IfExp):
            test, _ = self._expr(node.test)
            if isinstance(test, Opaque):
                return Opaque(span, "a conditional expression"), Meta(span)
            return self._expr(node.body if test else node.orelse)
        if isinstance(node, ast.Call):
            return self.call(node, span)
        if isinstance(node, ast.Dict):
            return self.dict_literal(node, span), Meta(span)
        if isinstance(node, (ast.List, ast.Tuple)):
            items, metas = self.elements(node.elts)
            if items is None:
                return Opaque(span, "a list"), Meta(span)
            cls = Seq if isinstance(node, ast.List) else Tup
            return cls(items, metas, span), Meta(span)
        if isinstance(node, ast.Set):
            placeholder = self.placeholder(node)
            if placeholder is not None:
                return placeholder
            return self.skip(node, "a set"), Meta(span)
        if isinstance(node, ast.NamedExpr):
            value, meta = self._expr(node.value)
            self.bind(node.target.id, value, Meta(span, meta.text))
            return value, meta
        what = _SKIPPED_EXPRS.get(type(node), "this expression")
        return self.skip(node, what), Meta(span)

    def name(self, node: ast.Name, span: Span) -> tuple[Any, Meta]:
        if node.id == BASE_KEY:
            return self.base, Meta(span)
        if node.id in self.names:
            value, meta = self.names[node.id]
            named = node.id if _is_number(value) else None
            return value, Meta(span, meta.text, named)
        if hasattr(builtins, node.id):
            return Opaque(span, f"the builtin `{node.id}`"), Meta(span)
        hint = None
        if node.id in self.base:
            hint = f"a base defines `{node.id}`: write `_base_.{node.id}` (or " \
                   f"`{{{{_base_.{node.id}}}}}`)"
        return self.fail("E607", f"name `{node.id}` is not defined", node,
                         notes=["each config file is evaluated in its own scope, as in MMEngine"],
                         help=hint), Meta(span)

    def item(self, obj: Any, key: Any, node: ast.AST, attribute: bool = False) -> tuple[Any, Meta]:
        span = self.pos.span(node)
        if isinstance(obj, Opaque) or isinstance(key, Opaque):
            return Opaque(span, "a value derived from one not evaluated"), Meta(span)
        if isinstance(obj, dict):
            if key in obj:
                meta = obj.meta(key) if isinstance(obj, Node) else Meta(span)
                return obj[key], Meta(span, meta.text)
            where = "the merged bases" if obj is self.base else "this dict"
            return self.fail("E608", f"{where} {'have' if obj is self.base else 'has'} no key "
                             f"`{key}`", node), Meta(span)
        if attribute:
            return Opaque(span, f"attribute `{key}`"), Meta(span)
        if isinstance(obj, (list, tuple, str)) and isinstance(key, int) \
                and not isinstance(key, bool):
            if -len(obj) <= key < len(obj):
                meta = obj.meta(key) if hasattr(obj, "meta") else Meta(span)
                return obj[key], Meta(span, meta.text)
            return self.fail("E608", f"index {key} is out of range", node), Meta(span)
        return self.fail("E608", f"cannot index {_kind(obj)} with `{key!r}`", node), Meta(span)

    def slice(self, obj: Any, node: ast.Subscript) -> tuple[Any, Meta]:
        span = self.pos.span(node)
        parts = []
        for part in (node.slice.lower, node.slice.upper, node.slice.step):
            value = self._expr(part)[0] if part is not None else None
            if isinstance(value, Opaque):
                return Opaque(span, "a slice"), Meta(span)
            parts.append(value)
        if isinstance(obj, Opaque):
            return Opaque(span, "a slice"), Meta(span)
        try:
            sl = slice(*parts)
            if isinstance(obj, (Seq, Tup)):
                cls = type(obj)
                return cls(obj[sl], obj.metas[sl], span), Meta(span)
            return obj[sl], Meta(span)
        except (TypeError, ValueError) as exc:
            return self.fail("E608", f"slice fails: {exc}", node), Meta(span)

    def binop(self, node: ast.BinOp, span: Span) -> tuple[Any, Meta]:
        left, lmeta = self._expr(node.left)
        right, rmeta = self._expr(node.right)
        if isinstance(left, Opaque) or isinstance(right, Opaque):
            return Opaque(span, "a value derived from one not evaluated"), Meta(span)
        op_fn, symbol, prec = _BINOPS.get(type(node.op), (None, None, 0))
        if op_fn is None:
            return self.skip(node, f"the operator `{type(node.op).__name__}`"), Meta(span)
        too_big = _too_big(left, right, symbol)
        if too_big:
            return self.fail("E608", too_big, node), Meta(span)
        try:
            result = op_fn(left, right)
        except ZeroDivisionError:
            return self.fail("E608", "division by zero", node), Meta(span)
        except (TypeError, ValueError, OverflowError) as exc:
            return self.fail("E608", f"`{symbol}` fails: {exc}", node), Meta(span)
        result = _retag(result, left, right, span)
        text = None
        if _literal_arith(node.left) and _literal_arith(node.right) and symbol in "+-*/**//%" \
                and lmeta.text and rmeta.text and _is_number(result):
            text = f"{_paren(node.left, lmeta.text, prec, False)} {symbol} " \
                   f"{_paren(node.right, rmeta.text, prec, True, symbol)}"
        return result, Meta(span, text)

    def unary(self, node: ast.UnaryOp, span: Span) -> tuple[Any, Meta]:
        value, meta = self._expr(node.operand)
        if isinstance(value, Opaque):
            return Opaque(span, "a value derived from one not evaluated"), Meta(span)
        try:
            if isinstance(node.op, ast.USub):
                result = -value
            elif isinstance(node.op, ast.UAdd):
                result = +value
            elif isinstance(node.op, ast.Not):
                return (not value), Meta(span)
            else:
                result = ~value
        except TypeError as exc:
            return self.fail("E608", f"unary operator fails: {exc}", node), Meta(span)
        text = None
        if isinstance(node.op, (ast.USub, ast.UAdd)) and meta.text \
                and _literal_arith(node.operand) and _is_number(result):
            inner = meta.text if isinstance(node.operand, ast.Constant) else f"({meta.text})"
            text = ("-" if isinstance(node.op, ast.USub) else "+") + inner
        return result, Meta(span, text)

    def call(self, node: ast.Call, span: Span) -> tuple[Any, Meta]:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in _BUILTIN_CALLS and name not in self.names:
            if name == "dict":
                return self.dict_call(node, span), Meta(span)
            if node.keywords or len(node.args) > 1:
                return self.fail("E608", f"`{name}()` takes at most one positional argument",
                                 node), Meta(span)
            if not node.args:
                return (Seq([], [], span) if name == "list" else Tup((), (), span)), Meta(span)
            value, _ = self._expr(node.args[0])
            if isinstance(value, Opaque):
                return Opaque(span, f"`{name}(...)`"), Meta(span)
            if isinstance(value, dict):
                items, metas = list(value), [Meta(span)] * len(value)
            elif isinstance(value, (list, tuple, str)):
                items = list(value)
                metas = list(value.metas) if hasattr(value, "metas") else [Meta(span)] * len(items)
            else:
                return self.fail("E608", f"`{name}()` of {_kind(value)}", node), Meta(span)
            cls = Seq if name == "list" else Tup
            return cls(items, metas, span), Meta(span)
        callee = self.pos.segment(func) or "a function"
        skipped = self.skip(node, f"the call `{callee}(...)`",
                            notes=["only dict(...), list(...) and tuple(...) are evaluated"])
        return skipped, Meta(span)

    def dict_call(self, node: ast.Call, span: Span) -> Any:
        out = Node(span=span)
        if len(node.args) > 1:
            return self.fail("E608", "`dict()` takes at most one positional argument", node)
        if node.args:
            value, _ = self._expr(node.args[0])
            if isinstance(value, Opaque):
                return Opaque(span, "`dict(...)`")
            if isinstance(value, dict):
                for k, v in value.items():
                    out.set(k, v, value.meta(k) if isinstance(value, Node) else Meta(span))
            elif isinstance(value, (list, tuple)) and all(
                    isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
                for p in value:
                    out.set(p[0], p[1], Meta(span))
            else:
                return self.fail("E608", f"`dict()` of {_kind(value)}", node)
        for kw in node.keywords:
            value, meta = self._expr(kw.value)
            if kw.arg is None:  # **spread
                problem = self._spread(out, value, span, "`dict(**...)`", kw)
                if problem is not None:
                    return problem
            else:
                out.set(kw.arg, value, Meta(self.pos.span(kw), meta.text, meta.name))
        return out

    def _spread(self, out: "Node", value: Any, span: Span, what: str, node) -> Any:
        """Merge a `**value` into `out`; an Opaque or an error value when it
        cannot be (None when it was merged)."""
        if isinstance(value, Opaque):
            return Opaque(span, what)
        if not isinstance(value, dict):
            return self.fail("E608", f"`**` of {_kind(value)}", node)
        for k, v in value.items():
            out.set(k, v, value.meta(k) if isinstance(value, Node) else Meta(span))
        return None

    def dict_literal(self, node: ast.Dict, span: Span) -> Any:
        out = Node(span=span)
        for key_node, value_node in zip(node.keys, node.values):
            value, meta = self._expr(value_node)
            if key_node is None:  # {**spread}
                problem = self._spread(out, value, span, "a dict with `**`", value_node)
                if problem is not None:
                    return problem
                continue
            key, _ = self._expr(key_node)
            if isinstance(key, Opaque):
                return Opaque(span, "a dict with a computed key")
            try:
                hash(key)
            except TypeError:
                return self.fail("E608", f"dict key {_kind(key)} is not hashable", key_node)
            item_span = self.pos.span(key_node).to(self.pos.span(value_node))
            out.set(key, value, Meta(item_span, meta.text, meta.name))
        return out

    def elements(self, nodes: list[ast.expr]) -> tuple[list | None, list]:
        items, metas = [], []
        for n in nodes:
            if isinstance(n, ast.Starred):
                value, _ = self._expr(n.value)
                if isinstance(value, Opaque):
                    return None, []
                if not isinstance(value, (list, tuple)):
                    self.fail("E608", f"`*` of {_kind(value)}", n)
                    return None, []
                items += list(value)
                metas += list(value.metas) if hasattr(value, "metas") else \
                    [Meta(self.pos.span(n))] * len(value)
                continue
            value, meta = self._expr(n)
            items.append(value)
            metas.append(meta)
        return items, metas

    def placeholder(self, node: ast.Set) -> tuple[Any, Meta] | None:
        """`{{_base_.a.b}}`: MMEngine's placeholder for a value of the bases."""
        if len(node.elts) != 1 or not isinstance(node.elts[0], ast.Set) \
                or len(node.elts[0].elts) != 1:
            return None
        inner = node.elts[0].elts[0]
        path = []
        while isinstance(inner, ast.Attribute):
            path.append(inner.attr)
            inner = inner.value
        if not (isinstance(inner, ast.Name) and inner.id == BASE_KEY and path):
            return None
        span = self.pos.span(node)
        value: Any = self.base
        for key in reversed(path):
            if not isinstance(value, dict) or key not in value:
                dotted = ".".join(reversed(path))
                return self.fail("E608", f"placeholder `{{{{_base_.{dotted}}}}}` names nothing "
                                 "in the bases", node), Meta(span)
            meta = value.meta(key) if isinstance(value, Node) else Meta(span)
            value = value[key]
        return value, Meta(span, meta.text)


def _targets(node: ast.AST):
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name):
                    yield n
    if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
        yield ast.Name(id=node.name)
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        for n in ast.walk(node.optional_vars):
            if isinstance(n, ast.Name):
                yield n


def _targets_of(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _literal_arith(node: ast.AST) -> bool:
    """A number literal, or +-*/ of such: spelled the same in sspec."""
    if isinstance(node, ast.Constant):
        return _is_number(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _literal_arith(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS \
            and not isinstance(node.op, ast.BitOr):
        return _literal_arith(node.left) and _literal_arith(node.right)
    return False


def _paren(node: ast.AST, text: str, parent_prec: int, right: bool, symbol: str = "") -> str:
    if isinstance(node, ast.BinOp):
        prec = _BINOPS[type(node.op)][2]
        if prec < parent_prec or (right and prec == parent_prec) or (parent_prec == 4):
            return f"({text})"
    if isinstance(node, ast.UnaryOp) and parent_prec == 4:
        return f"({text})"
    return text


def _number_text(segment: str | None, value: int | float) -> str:
    """A number literal as sspec spells it: the config's own spelling when
    sspec reads it the same, else Python's shortest repr."""
    if segment:
        s = segment.strip()
        if s.endswith("."):
            s += "0"
        if s[:1] == "." and s[1:2].isdigit():
            s = "0" + s
        if re.fullmatch(r"[0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?([eE][+-]?[0-9]+)?", s):
            try:
                same = (float(s.replace("_", "")) == value) if isinstance(value, float) \
                    else (int(s.replace("_", "")) == value)
            except ValueError:
                same = False
            if same:
                return s
    return repr(value)


def _too_big(left: Any, right: Any, symbol: str) -> str | None:
    if symbol == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 \
            and right * max(abs(left).bit_length(), 1) > 4096:
        return "number is too large"
    if symbol == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (list, tuple, str)) and isinstance(n, int) \
                    and len(seq) * n > _MAX_SIZE:
                return "sequence is too large"
    return None


def _retag(result: Any, left: Any, right: Any, span: Span) -> Any:
    """Keep positions on `list + list` and `dict | dict`."""
    if isinstance(result, list) and not isinstance(result, Seq):
        metas = []
        for part in (left, right):
            if isinstance(part, (list, tuple)):
                metas += list(part.metas) if hasattr(part, "metas") else [Meta(span)] * len(part)
        if len(metas) != len(result):
            metas = [Meta(span)] * len(result)
        return Seq(result, metas, span)
    if isinstance(result, tuple) and not isinstance(result, Tup):
        metas = []
        for part in (left, right):
            if isinstance(part, tuple):
                metas += list(part.metas) if hasattr(part, "metas") else [Meta(span)] * len(part)
        if len(metas) != len(result):
            metas = [Meta(span)] * len(result)
        return Tup(result, metas, span)
    if isinstance(result, dict) and not isinstance(result, Node):
        out = Node(span=span)
        for part in (left, right):
            for k in part:
                out.set(k, result[k], part.meta(k) if isinstance(part, Node) else Meta(span))
        return out
    return result
