"""Fuzzing the front end: no input ever gives anything but a Result.

`compile_source` must return a Result (diagnostics, and a Plan exactly when
there is no error) for any text: random unicode, decoded random bytes,
mutated example recipes, random `--set` strings. The CLI must exit 0 or 1
without a traceback. Example counts keep this file well under a minute.
"""

from __future__ import annotations

import json
import os
import re
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, invoke, recipe
from sspec.codes import CODES
from sspec.compiler import Result, compile_source
from sspec.compiler.plan import validate
from sspec.diagnostics import Severity, TextRenderer, render_json
from sspec.registry import all_components

EXAMPLE_TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.ss"))}
MAE = EXAMPLE_TEXTS["mae_vit_tiny.ss"]
SEVERITY = {"E": Severity.ERROR, "W": Severity.WARNING, "N": Severity.NOTE}

# Deterministic by default, so that the suite never fails by chance; hunt
# for new bugs with SSPEC_FUZZ_RANDOM=1 and, say, SSPEC_FUZZ_SCALE=20.
RANDOM = os.environ.get("SSPEC_FUZZ_RANDOM") == "1"
SCALE = float(os.environ.get("SSPEC_FUZZ_SCALE", "1"))


def fuzz(n: int, *more_checks) -> settings:
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, derandomize=not RANDOM,
                    database=None if not RANDOM else settings.default.database,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           *more_checks])


FAST = fuzz(150)


def check_result(result, text: str, file: str = "f.ss", overrides=()) -> None:
    """What every Result must satisfy."""
    assert isinstance(result, Result)
    assert result.file == file
    lines = text.splitlines() or [""]
    for d in result.diagnostics:
        assert d.code in CODES, d.code
        assert d.severity is SEVERITY[d.code[0]], d
        assert isinstance(d.message, str) and d.message
        s = d.span
        assert s is not None
        assert s.file in (file, "<--set>"), s
        assert s.line >= 1 and s.column >= 1, d
        assert (s.end_line, s.end_column) >= (s.line, s.column), d
        if s.file == file:
            assert s.line <= len(lines) + 1, d
    assert result.ok == (not any(d.is_error for d in result.diagnostics))
    if result.ok:
        assert result.plan is not None
        assert validate(json.loads(json.dumps(result.plan))) == []
    else:
        assert result.plan is None
    # Both renderers cope with whatever came out.
    sources = {file: text, "<--set>": "\n".join(overrides)}
    TextRenderer(sources).render_all(result.diagnostics)
    json.loads(render_json(result.diagnostics))


def compiles(text: str, overrides=()) -> Result:
    result = compile_source(text, "f.ss", list(overrides))
    check_result(result, text, overrides=overrides)
    return result


# ---------------------------------------------------------------- (a), (b) random input

@FAST
@given(st.text())
def test_random_text(text):
    compiles(text)


@FAST
@given(st.text(alphabet=st.sampled_from(list("[](){}=,.:+-*/%\"'#\n\t 0123456789_eEpit"
                                            "abcdrsuvwxyzAELMSR")), max_size=200))
def test_random_text_from_recipe_characters(text):
    compiles(text)


@FAST
@given(st.binary(max_size=400))
def test_random_bytes(data):
    compiles(data.decode("utf-8", errors="replace"))


# ---------------------------------------------------------------- (c) mutated examples

TOKEN = re.compile(r"\s+|#[^\n]*|\"[^\"\n]*\"|[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9_.eE+-]*[A-Za-z]*"
                   r"|\*\*|//|.", re.S)

VOCABULARY = [
    # keywords and words with a meaning
    "recipe", "use", "train", "let", "optimizer", "params", "layer_decay", "schedule", "stack",
    "per", "iter", "epoch", "it", "hook", "after", "before", "priority", "end", "none", "true",
    "false", "model", "data", "lr", "momentum", "weight_decay", "model.loss_lambda", "epochs",
    "iters", "iters_per_epoch", "batch", "base_lr", "bias", "norm", "HIGH", "LOWEST", "auto",
    # components
    "SGD", "AdamW", "LARS", "mlp", "digits", "LinearLR", "CosineAnnealingLR", "MultiStepLR",
    "StepLR", "OneCycleLR", "ReduceOnPlateauLR", "CosineRestartLR", "LinearMomentum",
    "EMAHook", "CheckpointHook", "LoggerHook", "DenseCLHook", "ParamSchedulerHook",
    "DeepClusterHook", "SwAVHook", '"mod:fn"', '"*.bias"',
    # punctuation and operators
    "[", "]", "(", ")", "{", "}", "=", ",", ".", ":", "+", "-", "*", "/", "//", "%", "**",
    "\n", " ", "#", '"',
    # numbers and durations
    "0", "1", "-1", "2.5", "1e-4", "1_000", "0ep", "40ep", "0.5ep", "1.5e3ep", "500it", "0it",
    "40epochs", "10ep + 5it", "1e999", "2**64", "10**10**10", "1/0", "0 ** -1", "2 ** 0.5",
    "(((((((((1)))))))))", "[[[[[]]]]]", "- - - - 1", "[0ep, 40ep)", "[0ep, 40ep]", "[end, 0ep)",
    "milestones = [8, 11]", "T_max = 10", "step_size = 16it", "keep = 0", "gamma = 3",
    "ema_type = \"StochasticWeightAverage\"", "begin_iter = 5", "fixed_lr = true",
    "lars_exclude = true", "priority 101", "after ema", "before LoggerHook", "hook ema = EMAHook()",
    "stack {", "per epoch", "per iter", "{a: 1}", "(1, 2)", "1 2 3",
]

# Mutations that are known to crash (see the xfail tests at the bottom of this
# file) are kept out of the vocabulary so that the fuzzer looks for new bugs.


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutated_example(draw):
    text = draw(st.sampled_from(sorted(EXAMPLE_TEXTS.values())))
    toks = tokens(text)
    assert "".join(toks) == text
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace",
                                     "char_delete", "char_insert", "cut"]))
        if not toks:
            toks = [draw(st.sampled_from(VOCABULARY))]
            continue
        i = draw(st.integers(0, len(toks) - 1))
        if kind == "delete":
            del toks[i]
        elif kind == "duplicate":
            toks.insert(i, toks[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        elif kind == "insert":
            toks.insert(i, draw(st.sampled_from(VOCABULARY)))
        elif kind == "replace":
            toks[i] = draw(st.sampled_from(VOCABULARY))
        elif kind == "cut":
            toks = toks[:i]
        else:
            flat = "".join(toks)
            k = draw(st.integers(0, max(len(flat) - 1, 0)))
            if kind == "char_delete":
                flat = flat[:k] + flat[k + 1:]
            else:
                flat = flat[:k] + draw(st.characters(max_codepoint=0x2FFF)) + flat[k:]
            toks = tokens(flat)
    return "".join(toks)


@fuzz(400)
@given(mutated_example())
@example(MAE.replace("[0ep, 40ep)", "[0ep, 40ep]"))
@example(MAE.replace("40ep)", "40epochs)"))
@example(MAE.replace("= 300", "= 0"))
@example(MAE.replace("= 64", "= 0"))
@example(MAE.replace("batch / 256", "batch / 0"))
@example(MAE.replace("= 8 ", "= 0 "))
@example(MAE.replace("priority VERY_LOW", "priority 1e999"))
@example(MAE.replace("LinearLR(start_factor = 1e-4)", "LinearLR(start_factor = 1e-4, 2)"))
@example(MAE.replace("keep = 3", "keep = 0"))
@example(MAE.replace("keep = 3", "keep = 3, keep = 4"))
@example(MAE + "\nhook EMAHook(gamma = 3, ema_type = \"StochasticWeightAverage\", momentum = 1)")
@example(MAE + "\nhook a = EMAHook() after b\nhook b = EMAHook() after a\n")
@example(MAE + "\nschedule lr { stack { } }\nschedule momentum { }\n")
@example(MAE.replace("recipe mae_vit_tiny", ""))
@example("")
def test_mutated_examples(text):
    compiles(text)


@FAST
@given(st.lists(st.sampled_from(VOCABULARY), max_size=40))
def test_vocabulary_soup(words):
    compiles(" ".join(words))


# ---------------------------------------------------------------- (d) random --set

KEYS = ["train.epochs", "train.iters", "train.iters_per_epoch", "train.device", "train.seed",
        "batch", "let.batch", "base_lr", "model.depth", "data.n", "optimizer.lr",
        "optimizer.betas", "nothing", "train", "hook.x", "let.", "a..b", "", " batch ", "1x"]
VALUES = ["100", "0", "-1", "1e999", "2**64", "1/0", "(", ")", "", "auto", "cuda:1", '"x"',
          "[1, 2]", "(0.9, 0.95)", "10ep", "40epochs", "none", "true", "1 +", "$", "{a: 1}",
          "mlp()", "1_000", "\n", "=", "batch * 2", "end"]


@fuzz(200)
@given(st.lists(st.one_of(
    st.tuples(st.sampled_from(KEYS), st.sampled_from(["=", " = ", "", "=="]),
              st.sampled_from(VALUES)).map("".join),
    st.text(max_size=30)), max_size=4))
def test_random_overrides(overrides):
    result = compiles(MAE, overrides)
    if not overrides:
        assert result.ok


@FAST
@given(st.sampled_from(KEYS), st.text(max_size=20))
def test_override_with_random_value(key, value):
    compiles(MAE, [f"{key}={value}"])


# ---------------------------------------------------------------- component arguments

ARG_VALUES = ["0", "1", "-1", "0.5", "2", "100", "1e-4", "-0.0", "1e300", "true", "false", "none",
              '"x"', '"kmeans"', '"MomentumAnnealingEMA"', '"StochasticWeightAverage"', '"cos"',
              "[]", "[1]", "[1, 2]", "[0.5, 0.5]", "[8, 11]", "[1ep, 2ep]", "(0.9, 0.95)", "{}",
              "{a: 1}", '{type: "kmeans", k: 10}', "1ep", "10it", "0ep", "0.5ep", "auto", "end",
              "mlp()", "batch"]
COMPONENTS = sorted(all_components().values(), key=lambda c: c.name)
# Known crash (see test_mapping_argument_of_the_wrong_shape): kept out so the
# fuzzer looks for new ones.
KNOWN_CRASH = {("DeepClusterHook", "clustering")}


@st.composite
def component_recipe(draw):
    comp = draw(st.sampled_from(COMPONENTS))
    names = sorted(comp.properties) + ["bogus"]
    chosen = draw(st.lists(st.sampled_from(names), max_size=5))
    args = ", ".join(f"{k} = {draw(st.sampled_from(ARG_VALUES))}" for k in chosen
                     if (comp.name, k) not in KNOWN_CRASH)
    call = f"{comp.name}({args})"
    if comp.kind == "hook":
        return recipe(f"let batch = 32\nhook {call} priority {draw(st.sampled_from(['HIGH', '0', '70']))}\n")
    if comp.kind == "scheduler":
        target = draw(st.sampled_from(["lr", "momentum", "weight_decay", "model.x"]))
        bounds = draw(st.sampled_from(["[0ep, 12ep)", "[0it, 96it)", "[0ep, end)", "[8it, 2ep)"]))
        per = draw(st.sampled_from(["", "per iter", "per epoch"]))
        return recipe(f"schedule {target} {{ {bounds} {call} {per} }}\n")
    if comp.kind == "optimizer":
        body = draw(st.sampled_from(["", " { params bias { lars_exclude = true, lr_mult = 2 } }",
                                     " { layer_decay(rate = 0.5, layers = 2) }",
                                     " { params norm { momentum = 0.5 } }"]))
        return recipe("schedule momentum { [0ep, end) ConstantMomentum() }\n",
                      optimizer=call + body)
    if comp.kind == "model":
        return recipe("", model=call)
    return recipe("", data=call, train=draw(st.sampled_from(
        ["epochs = 3", "iters = 10", "epochs = 3  iters_per_epoch = 2"])))


@fuzz(300)
@given(component_recipe())
def test_component_arguments(text):
    compiles(text)


@pytest.mark.parametrize("clustering", ['"kmeans"', "3", "[1, 2]",
                                        '{type: "kmeans", k: 10, pca_dim: 0}'])
def test_mapping_argument_of_the_wrong_shape(clustering):
    result = compiles(recipe(f"hook DeepClusterHook(clustering = {clustering}, unif_sampling = true, "
                             "reweight = false, reweight_pow = 0.5)\n", model="deepcluster()",
                             data="digits()", train="epochs = 2"))
    assert [d.code for d in result.diagnostics] in (["E304"], ["E305"])


# ---------------------------------------------------------------- the CLI on fuzzed files

@fuzz(25, HealthCheck.function_scoped_fixture)
@given(text=mutated_example(), fmt=st.sampled_from(["text", "json"]),
       strict=st.booleans())
def test_cli_on_fuzzed_files(tmp_path, text, fmt, strict):
    path = tmp_path / "fuzzed.ss"
    path.write_text(text, encoding="utf-8")
    args = ["check", "--format", fmt] + (["--strict"] if strict else []) + [str(path)]
    result = invoke(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stdout + result.stderr
    if fmt == "json":
        diagnostics = json.loads(result.stdout)
        assert result.exit_code == int(any(d["severity"] == "error" for d in diagnostics))
    result = invoke("compile", str(path))
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 0:
        assert validate(json.loads(result.stdout)) == []
    else:
        assert result.stdout == ""


@pytest.mark.parametrize("name", sorted(EXAMPLE_TEXTS))
def test_cli_on_truncated_examples(tmp_path, name):
    """Every prefix of an example, cut at token boundaries, at most 60 of them."""
    toks = tokens(EXAMPLE_TEXTS[name])
    step = max(1, len(toks) // 60)
    files = []
    for n in range(0, len(toks), step):
        path = tmp_path / f"cut{n:04d}.ss"
        path.write_text("".join(toks[:n]), encoding="utf-8")
        files.append(str(path))
    result = invoke("check", "--format", "json", *files)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == 1
    assert isinstance(json.loads(result.stdout), list)


# ---------------------------------------------------------------- nesting

@pytest.mark.parametrize("depth", [10, 50, 150])
@pytest.mark.parametrize("shape", ["parens", "list", "neg", "sum", "pow", "call", "dict"])
def test_moderate_nesting(shape, depth):
    compiles(MAE + "\nlet deep = " + nested(shape, depth) + "\n")


def nested(shape: str, depth: int) -> str:
    return {
        "parens": "(" * depth + "1" + ")" * depth,
        "list": "[" * depth + "1" + "]" * depth,
        "neg": "-" * depth + "1",
        "sum": " + ".join(["1"] * depth),
        "pow": " ** ".join(["1"] * depth),
        "call": "f(a = " * depth + "1" + ")" * depth,
        "dict": "{a: " * depth + "1" + "}" * depth,
    }[shape]


def test_deep_parentheses():
    """1000 nested parentheses fold to a plain number: no node per level."""
    result = compiles(MAE + "\nlet deep = " + nested("parens", 1000) + "\n")
    assert result.ok


@pytest.mark.parametrize("shape", ["list", "neg", "sum", "pow", "call", "dict"])
def test_deep_nesting(shape):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default; pytest may have raised it
    try:
        compile_source(MAE + "\nlet deep = " + nested(shape, 1000) + "\n", "f.ss")
    finally:
        sys.setrecursionlimit(old)


def test_sum_of_200_terms():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        result = compile_source(MAE + "\nlet total = " + nested("sum", 200) + "\n", "f.ss")
    finally:
        sys.setrecursionlimit(old)
    assert result.ok


def test_many_statements():
    body = "".join(f"let v{i} = {i} * 2ep\n" for i in range(2000))
    result = compiles(MAE + body)
    assert result.ok


def test_long_line():
    result = compiles(MAE + "let long = " + " + ".join(["(1)"] * 150) + "\n")
    assert result.ok
