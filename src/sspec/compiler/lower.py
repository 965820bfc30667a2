"""Parse tree to AST: constant folding, `let` substitution, units, overrides.

Lowering never raises on bad input. Each mistake becomes one diagnostic and
the offending value becomes INVALID, which later checks skip, so a single
typo does not cascade into a page of errors.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree

from ..diagnostics import Diagnostic, Span, error
from ..grammar.parser import unquote
from ..registry import suggest
from . import ast
from .values import END, INVALID, UNITS, CallValue, Duration, End, Symbol, type_word

# Numbers past these bounds are surely mistakes, and would make later
# arithmetic slow (huge ints) or meaningless (inf).
MAX_INT_BITS = 64
MAX_FLOAT = 1e300
TOP_LEVEL_SETTINGS = ("model", "data")
STEP_WORDS = ("iter", "epoch")
OVERRIDE_FILE = "<--set>"
_STEP_SPELLINGS = {"it": "iter", "iters": "iter", "iteration": "iter", "iterations": "iter",
                   "ep": "epoch", "epochs": "epoch", "step": "iter", "steps": "iter"}


@dataclass
class Override:
    """One `--set KEY=VALUE`: its value already parsed."""

    key: str
    value: Tree
    key_span: Span
    value_span: Span
    used: bool = False


@dataclass
class _Overrides:
    by_key: dict[str, Override] = field(default_factory=dict)

    def take(self, key: str) -> Override | None:
        found = self.by_key.get(key)
        if found is not None:
            found.used = True
        return found

    def with_prefix(self, prefix: str) -> list[Override]:
        found = [o for k, o in self.by_key.items() if k.startswith(prefix + ".")]
        for o in found:
            o.used = True
        return found


def span_of(node: Tree | Token, file: str, fallback: Span | None = None) -> Span:
    if isinstance(node, Token):
        if node.line is None:
            return fallback or Span.point(file, 1, 1)
        return Span(file, node.line, node.column, node.end_line, node.end_column)
    meta = node.meta
    if getattr(meta, "empty", True):
        return fallback or Span.point(file, 1, 1)
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


class Lowerer:
    def __init__(self, file: str, overrides: list[Override] = ()):
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.env: dict[str, Any] = {}
        self.let_lines: dict[str, int] = {}
        self.overrides = _Overrides({o.key: o for o in overrides})
        self.current_file = file
        self.stacks = 0             # `stack` blocks are numbered across the recipe
        self.later_lets: dict[str, int] = {}

    def fold_override(self, override: Override) -> Any:
        """Fold a `--set` value; its spans point into the `--set` text."""
        outer, self.current_file = self.current_file, OVERRIDE_FILE
        try:
            return self.fold(override.value)
        finally:
            self.current_file = outer

    # ------------------------------------------------------------ helpers
    def span(self, node, fallback: Span | None = None) -> Span:
        return span_of(node, self.current_file, fallback)

    def error(self, code: str, message: str, span: Span, **kw) -> Any:
        self.diagnostics.append(error(code, message, span, **kw))
        return INVALID

    # ------------------------------------------------------------ recipe
    def lower(self, tree: Tree) -> ast.Recipe:
        for stmt in tree.children:
            if stmt.data == "let":
                self.later_lets.setdefault(str(stmt.children[0]), stmt.children[0].line)
        name, name_span = None, None
        train = None
        model = data = optimizer = None
        lets, schedules, hooks, uses = [], [], [], []
        seen: dict[str, Span] = {}

        def once(kind: str, span: Span) -> bool:
            if kind in seen:
                first = seen[kind]
                self.error("E104", f"`{kind}` is given twice", span,
                           notes=[f"first given at line {first.line}"],
                           help=f"keep one `{kind}`")
                return False
            seen[kind] = span
            return True

        for stmt in tree.children:
            span = self.span(stmt)
            kind = stmt.data
            if kind == "recipe":
                if once("recipe", span):
                    name, name_span = str(stmt.children[0]), self.span(stmt.children[0])
            elif kind == "use":
                uses.append(ast.Use(self.dotted(stmt.children[0]), span))
            elif kind == "train":
                if once("train", span):
                    train = self.train(stmt, span)
            elif kind == "let":
                let = self.let(stmt, span)
                if let is not None:
                    lets.append(let)
            elif kind == "setting":
                key = str(stmt.children[0])
                if key not in TOP_LEVEL_SETTINGS:
                    hint = suggest(key, TOP_LEVEL_SETTINGS + ("let",))
                    self.error("E302", f"unknown setting `{key}`", self.span(stmt.children[0]),
                               help=(f"did you mean `{hint}`?" if hint else
                                     "top-level settings are `model = ...` and `data = ...`; "
                                     "name a value with `let`"))
                    continue
                call = self.component_value(stmt.children[1], key)
                if once(key, span) and call is not None:
                    if key == "model":
                        model = call
                    else:
                        data = call
            elif kind == "optimizer":
                opt = self.optimizer(stmt, span)
                if once("optimizer", span):
                    optimizer = opt
            elif kind == "schedule":
                schedules.append(self.schedule(stmt, span))
            elif kind == "hook":
                hooks.append(self.hook(stmt, span))

        if train is None and self.overrides.with_prefix("train"):
            train = self.train(Tree("train", []), Span.point(self.file, 1, 1))
        stem = self.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return ast.Recipe(
            file=self.file, name=name or stem, name_span=name_span, train=train,
            lets=tuple(lets), model=model, data=data, optimizer=optimizer,
            schedules=tuple(schedules), hooks=tuple(hooks), uses=tuple(uses),
            declared=frozenset(seen))

    def dotted(self, tree: Tree) -> str:
        return ".".join(str(t) for t in tree.children)

    # ------------------------------------------------------------ statements
    def let(self, stmt: Tree, span: Span) -> ast.Let | None:
        name_tok, expr = stmt.children
        name = str(name_tok)
        override = self.overrides.take(name)
        if name in self.env:
            self.error("E104", f"`{name}` is defined twice", self.span(name_tok),
                       notes=[f"first defined at line {self.let_lines[name]}"],
                       help="give the second value another name")
            return None
        value = self.fold_override(override) if override else self.fold(expr)
        self.env[name] = value
        self.let_lines[name] = span.line
        return ast.Let(name, value, span, self.span(name_tok))

    def train(self, stmt: Tree, span: Span) -> ast.Train:
        settings = self.assigns(stmt.children, "train")
        return ast.Train(settings, span)

    def assigns(self, nodes, owner: str | None) -> tuple[ast.Arg, ...]:
        """`key = value` lines; `owner` is the `--set` prefix that may override them."""
        args = [self.assign(n) for n in nodes if isinstance(n, Tree) and n.data == "assign"]
        return self.apply_overrides(args, owner)

    def assign(self, node: Tree) -> ast.Arg:
        key_tok, expr = node.children
        return ast.Arg(str(key_tok), self.fold(expr), self.span(node),
                       self.span(key_tok), self.span(expr))

    def apply_overrides(self, args: list[ast.Arg], owner: str | None) -> tuple[ast.Arg, ...]:
        if owner is None:
            return tuple(args)
        for o in self.overrides.with_prefix(owner):
            key = o.key[len(owner) + 1:]
            arg = ast.Arg(key, self.fold_override(o), o.key_span.to(o.value_span),
                          o.key_span, o.value_span)
            args = [a for a in args if a.name != key] + [arg]
        return tuple(args)

    def optimizer(self, stmt: Tree, span: Span) -> ast.Optimizer:
        call = self.component(stmt.children[0], owner="optimizer")
        rules, layer_decay = [], None
        body = stmt.children[1] if len(stmt.children) > 1 else None
        for item in body.children if body is not None else ():
            if item.data == "params":
                rules.append(self.param_rule(item))
            elif layer_decay is not None:
                self.error("E104", "`layer_decay` is given twice", self.span(item),
                           notes=[f"first given at line {layer_decay.span.line}"])
            else:
                layer_decay = self.call_from(Token("NAME", "layer_decay"), item.children[0],
                                             self.span(item), self.span(item))
        return ast.Optimizer(call, tuple(rules), layer_decay, span)

    def param_rule(self, node: Tree) -> ast.ParamRule:
        selectors = []
        for child in node.children:
            if child.data == "class_selector":
                tok = child.children[0]
                selectors.append(ast.Selector("class", str(tok), self.span(tok)))
            elif child.data == "glob_selector":
                tok = child.children[0]
                selectors.append(ast.Selector("glob", unquote(tok), self.span(tok)))
        return ast.ParamRule(tuple(selectors), self.assigns(node.children, None), self.span(node))

    def schedule(self, stmt: Tree, span: Span) -> ast.Schedule:
        target_tree, *items = stmt.children
        phases = []
        for item in items:
            if item.data == "stack":
                self.stacks += 1
                phases += [self.phase(p, stack=self.stacks) for p in item.children]
            else:
                phases.append(self.phase(item, stack=None))
        return ast.Schedule(self.dotted(target_tree), self.span(target_tree), tuple(phases), span)

    def phase(self, node: Tree, stack: int | None) -> ast.Phase:
        interval, comp, *step = node.children
        begin, end = interval.children
        per, per_span = None, None
        if step:
            word = step[0].children[0]
            per_span = self.span(step[0])
            per = str(word)
            if per not in STEP_WORDS:
                hint = suggest(per, STEP_WORDS) or _STEP_SPELLINGS.get(per.lower())
                self.error("E211", f"unknown step unit `per {per}`", self.span(word),
                           help=f"did you mean `per {hint}`?" if hint
                           else "write `per iter` or `per epoch`")
                per = None
        return ast.Phase(ast.Bound(self.fold(begin), self.span(begin)),
                         ast.Bound(self.fold(end), self.span(end)),
                         self.component(comp), per, per_span, stack, self.span(node),
                         self.span(interval))

    def hook(self, stmt: Tree, span: Span) -> ast.Hook:
        children = list(stmt.children)
        label = label_span = None
        if isinstance(children[0], Token):
            label, label_span = str(children[0]), self.span(children[0])
            children = children[1:]
        call = self.component(children[0])
        priority = priority_span = None
        after, before = [], []
        for opt in children[1:]:
            if opt.data == "priority":
                priority_span = self.span(opt.children[0])
                if priority is not None:
                    self.error("E104", "`priority` is given twice", priority_span)
                priority = self.fold(opt.children[0])
            else:
                refs = [ast.Ref(str(t), self.span(t)) for t in opt.children]
                (after if opt.data == "after" else before).extend(refs)
        return ast.Hook(call, label, label_span, priority, priority_span,
                        tuple(after), tuple(before), span)

    # ------------------------------------------------------------ components
    def component(self, node: Tree, owner: str | None = None) -> ast.Call:
        callee = node.children[0]
        arguments = node.children[1] if len(node.children) > 1 else None
        return self.call_from(callee, arguments, self.span(node), self.span(callee), owner)

    def call_from(self, name_tok: Token, arguments: Tree | None, span: Span,
                  name_span: Span, owner: str | None = None) -> ast.Call:
        user = name_tok.type == "STRING"
        name = unquote(name_tok) if user else str(name_tok)
        args, positional, seen = [], [], {}
        for node in arguments.children if arguments is not None else ():
            if node.data == "positional_argument":
                self.fold(node.children[0])
                positional.append(self.span(node))
                continue
            arg = self.assign(node)
            if arg.name in seen:
                self.error("E307", f"argument `{arg.name}` is given twice", arg.name_span,
                           notes=[f"first given at line {seen[arg.name].line}, "
                                  f"column {seen[arg.name].column}"])
                continue
            seen[arg.name] = arg.name_span
            args.append(arg)
        args = self.apply_overrides(args, owner)
        return ast.Call(name, tuple(args), span, name_span, user, tuple(positional))

    def component_value(self, expr: Tree, key: str) -> ast.Call | None:
        """`model = mlp(...)`: the right side must be a call."""
        if isinstance(expr, Tree) and expr.data == "call":
            callee, arguments = expr.children
            return self.call_from(callee, arguments, self.span(expr), self.span(callee),
                                  owner=key)
        if isinstance(expr, Token) and expr.type == "NAME" and str(expr) not in self.env:
            # `model = mlp`: a component with no arguments, as `hook LoggerHook` is
            return self.call_from(expr, None, self.span(expr), self.span(expr), owner=key)
        value = self.fold(expr)
        if value is not INVALID:
            self.error("E304", f"`{key}` must be a component call such as `name(...)`, "
                       f"got {type_word(value)}", self.span(expr))
        return None

    # ------------------------------------------------------------ expressions
    def fold(self, node) -> Any:
        if isinstance(node, Token):
            return getattr(self, "fold_" + node.type)(node)
        return getattr(self, "fold_" + node.data)(node)

    def fold_NUMBER(self, token: Token) -> Any:
        return self.number(str(token), self.span(token))

    def number(self, text: str, span: Span) -> Any:
        text = text.replace("_", "")
        if any(c in text for c in ".eE"):
            return self.finite(float(text), span)
        if len(text) > 20:  # past any 64-bit integer (and Python's int() digit limit)
            return self.finite(1 << (MAX_INT_BITS + 1), span)
        return self.finite(int(text), span)

    def finite(self, value: Any, span: Span) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            return self.error("E105", "integer is too large", span,
                              notes=[f"integers must fit in {MAX_INT_BITS} bits"])
        if isinstance(value, float) and not (math.isfinite(value) and abs(value) <= MAX_FLOAT):
            return self.error("E105", "number is out of range", span,
                              notes=[f"numbers must be finite and at most {MAX_FLOAT:g} in size"])
        return value

    def fold_QUANTITY(self, token: Token) -> Any:
        text = str(token)
        number_text, unit = _split_quantity(text)
        span = self.span(token)
        if unit not in UNITS:
            hint = _unit_hint(unit)
            return self.error("E108", f"unknown unit `{unit}` in `{text}`", span,
                              help=(f"did you mean `{number_text}{hint}`?" if hint
                                    else "durations are in `it` (iterations) or `ep` (epochs)"))
        value = self.number(number_text, span)
        if value is INVALID:
            return value
        return Duration(value, unit)

    def fold_STRING(self, token: Token) -> str:
        return unquote(token)

    def fold_TRUE(self, token) -> bool:
        return True

    def fold_FALSE(self, token) -> bool:
        return False

    def fold_NONE(self, token) -> None:
        return None

    def fold_END(self, token) -> End:
        return END

    def fold_NAME(self, node: Token) -> Any:
        name = str(node)
        if name in self.env:
            return self.env[name]
        if name in self.later_lets:
            return self.error("E101", f"`{name}` is used before it is defined",
                              self.span(node),
                              notes=[f"`{name}` is defined at line {self.later_lets[name]}"],
                              help=f"move `let {name} = ...` above its first use")
        return Symbol(name)

    def fold_call(self, node: Tree) -> Any:
        callee, arguments = node.children
        call = self.call_from(callee, arguments, self.span(node), self.span(callee))
        return CallValue(call.name, tuple((a.name, a.value) for a in call.args))

    def fold_list(self, node: Tree) -> Any:
        return tuple(self.fold(c) for c in node.children if c is not None)

    fold_tuple = fold_list

    def fold_dict(self, node: Tree) -> Any:
        result = {}
        for pair in node.children:
            if pair is None:
                continue
            key_tok, expr = pair.children
            key = unquote(key_tok) if key_tok.type == "STRING" else str(key_tok)
            if key in result:
                self.error("E104", f"key `{key}` is given twice", self.span(key_tok))
            result[key] = self.fold(expr)
        return result

    # arithmetic
    def fold_neg(self, node: Tree) -> Any:
        return self.unary(node, operator.neg, "-")

    def fold_pos(self, node: Tree) -> Any:
        return self.unary(node, operator.pos, "+")

    def unary(self, node: Tree, op, symbol: str) -> Any:
        value = self.operand(node.children[0])
        if value is INVALID:
            return value
        if isinstance(value, Duration):
            return Duration(op(value.value), value.unit)
        if _is_number(value):
            return op(value)
        return self.error("E103", f"cannot apply `{symbol}` to {type_word(value)}", self.span(node))

    def fold_add(self, node):
        return self.binary(node, operator.add, "+")

    def fold_sub(self, node):
        return self.binary(node, operator.sub, "-")

    def fold_mul(self, node):
        return self.binary(node, operator.mul, "*")

    def fold_div(self, node):
        return self.binary(node, operator.truediv, "/")

    def fold_floordiv(self, node):
        return self.binary(node, operator.floordiv, "//")

    def fold_mod(self, node):
        return self.binary(node, operator.mod, "%")

    def fold_pow(self, node):
        return self.binary(node, _safe_pow, "**")

    def operand(self, node) -> Any:
        """A value used in arithmetic: a bare word must be a `let` name here."""
        value = self.fold(node)
        if isinstance(value, Symbol):
            return self.unknown_name(value.name, self.span(node))
        return value

    def unknown_name(self, name: str, span: Span) -> Any:
        hint = suggest(name, self.env)
        return self.error("E101", f"unknown name `{name}`", span,
                          help=f"did you mean `{hint}`?" if hint else
                          "define it first with `let " + name + " = ...`")

    def binary(self, node: Tree, op, symbol: str) -> Any:
        left, right = (self.operand(c) for c in node.children)
        if left is INVALID or right is INVALID:
            return INVALID
        span = self.span(node)
        try:
            result = _combine(left, right, op, symbol)
        except ZeroDivisionError:
            if symbol == "**":
                return self.error("E102", "zero to a negative power", span,
                                  label="divides by zero")
            return self.error("E102", "division by zero", span,
                              label=_zero_label(node.children[1]))
        except OverflowError:
            return self.error("E105", "number is out of range", span)
        except _TypeMismatch as exc:
            return self.error("E103", str(exc), span, help=exc.help)
        return self.finite(result, span)


class _TypeMismatch(Exception):
    def __init__(self, message: str, help: str | None = None):
        super().__init__(message)
        self.help = help


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _safe_pow(a, b):
    # 2 ** 10 ** 10 would take minutes and gigabytes before any check ran.
    if isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and \
            b * max(abs(a).bit_length(), 1) > 4 * MAX_INT_BITS:
        raise OverflowError
    if b < 0 and a == 0:
        raise ZeroDivisionError
    result = a ** b
    if isinstance(result, complex):
        raise _TypeMismatch("a negative number to a fractional power is not a real number")
    return result


def _combine(left, right, op, symbol: str):
    if _is_number(left) and _is_number(right):
        return op(left, right)
    ld, rd = isinstance(left, Duration), isinstance(right, Duration)
    if ld and rd and symbol in "+-":
        if left.unit != right.unit:
            raise _TypeMismatch(
                f"cannot {'add' if symbol == '+' else 'subtract'} {UNITS[right.unit]} "
                f"{'to' if symbol == '+' else 'from'} {UNITS[left.unit]}",
                help="write both durations in the same unit")
        return Duration(op(left.value, right.value), left.unit)
    if ld and _is_number(right) and symbol in ("*", "/", "//"):
        return Duration(op(left.value, right), left.unit)
    if rd and _is_number(left) and symbol == "*":
        return Duration(op(left, right.value), right.unit)
    if isinstance(left, str) and isinstance(right, str) and symbol == "+":
        return left + right
    raise _TypeMismatch(f"cannot use `{symbol}` on {type_word(left)} and {type_word(right)}")


def _split_quantity(text: str) -> tuple[str, str]:
    """`1.5e3ep` → (`1.5e3`, `ep`): the unit is the trailing run of letters
    after the number, an exponent's `e` staying with the number."""
    i = 0
    while i < len(text) and (text[i].isdigit() or text[i] in "._"):
        i += 1
    if i < len(text) and text[i] in "eE":
        j = i + 1
        if j < len(text) and text[j] in "+-":
            j += 1
        if j < len(text) and text[j].isdigit():
            while j < len(text) and text[j].isdigit():
                j += 1
            i = j
    return text[:i], text[i:]


def _unit_hint(unit: str) -> str | None:
    spelled = {"iter": "it", "iters": "it", "iteration": "it", "iterations": "it",
               "i": "it", "epoch": "ep", "epochs": "ep", "e": "ep", "eps": "ep"}
    return spelled.get(unit.lower()) or suggest(unit, UNITS)


def _zero_label(divisor) -> str:
    if isinstance(divisor, Token):
        return f"`{divisor}` is zero"
    return "the divisor is zero"
