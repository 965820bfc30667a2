"""Every diagnostic code: its title, what it means, an example and the fix.

This table is the one source for `sspec explain CODE` and for
docs/diagnostics.md (regenerate it with `python -m sspec.codes > docs/diagnostics.md`).
A code's first letter is its severity: E error, W warning, N note.

An example is a whole recipe that triggers its code and nothing else; its fix
is the same recipe, mended. Where the problem lies on the command line
(`--set`), the recipe's first line is a comment with the command, and the test
suite runs that command. E004 (a file that is not UTF-8) and E115 (an
expression thousands of operators long) cannot be shown as a readable recipe,
so their examples and fixes are shell sessions, starting with `$ `.

The codes of `sspec import` (E6xx, W6xx) are about MMEngine configs, so their
examples are configs (Python text, fenced as ```python): the first line is the
command that imports it, `# sspec import config.py [--iters-per-epoch N]`, and
a line `# file: NAME` starts another file of the example, such as a base
(`config_files` splits an example into its files). The fix is the config
mended; for W602 it is the written recipe with its stand-ins replaced, and for
E601 (a config that is not UTF-8) a shell session. `language` tells which
kind a text is.
"""

from __future__ import annotations

import shlex
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    explanation: str = ""
    example: str = ""       # a recipe (or config, or shell session) that triggers the code
    fix: str = ""           # how to fix it; often the example, mended

    @property
    def severity(self) -> str:
        return {"E": "error", "W": "warning", "N": "note"}[self.code[0]]

    @property
    def is_recipe(self) -> bool:
        """Whether the example is a recipe (else an MMEngine config or a shell session)."""
        return language(self.example) == "sspec"

    @property
    def is_config(self) -> bool:
        """Whether the example is an MMEngine config for `sspec import`."""
        return language(self.example) == "python"


def language(text: str) -> str:
    """What an example or fix is, as the name of its Markdown fence: `console`
    (a shell session, starting with `$ `), `python` (an MMEngine config,
    starting with `# sspec import `) or `sspec` (a recipe)."""
    if text.startswith("$ "):
        return "console"
    if text.startswith(CONFIG_COMMAND):
        return "python"
    return "sspec"


def _recipe(*body: str, command: str | None = None, train: str | None = "epochs = 10",
            head: tuple[str, ...] = (), model: str | None = "mlp()",
            data: str | None = "digits()", optimizer: str | None = "SGD(lr = 0.1)") -> str:
    """A small complete recipe: the shared preamble (train, model, data,
    optimizer), changed where a code needs it, with the `head` lines (`let`s,
    `use`s) after the train block, then the `body` lines. `command` is a
    `sspec check` command line shown as a first-line comment (for `--set`)."""
    lines = [f"# {command}"] if command else []
    if train is not None:
        lines.append(f"train {{ {train} }}")
    lines += head
    if model is not None:
        lines.append(f"model = {model}")
    if data is not None:
        lines.append(f"data = {data}")
    if optimizer is not None:
        lines.append(f"optimizer {optimizer}")
    lines += body
    return "\n".join(lines) + "\n"


def _schedule(target: str, *phases: str) -> str:
    return "\n".join([f"schedule {target} {{", *("    " + p for p in phases), "}"])


_COSINE = "[0ep, end)  CosineAnnealingLR(eta_min = 0)"


# ------------------------------------------------------------------ MMEngine configs

CONFIG_COMMAND = "# sspec import "
FILE_MARK = "# file: "


def _config(*parts: str | tuple[str, str], args: str = "") -> str:
    """An MMEngine config example for the `sspec import` codes. Its first line
    is the command that imports it (`# sspec import config.py`, plus `args`),
    then the config's text: the `str` parts, each dedented. Each `(name,
    text)` part is another file (a base), started by a `# file: NAME` line."""
    body = [textwrap.dedent(p).strip("\n") for p in parts if isinstance(p, str)]
    out = [f"{CONFIG_COMMAND}config.py{args}", *body]
    for name, text in (p for p in parts if isinstance(p, tuple)):
        out += ["", FILE_MARK + name, textwrap.dedent(text).strip("\n")]
    return "\n".join(out) + "\n"


def config_files(example: str) -> tuple[list[str], dict[str, str]]:
    """The arguments of a config example's `sspec import` command (the config
    first) and its files, name → text. Each file's text starts with its
    marking comment line, so the line numbers of diagnostics are the lines as
    shown."""
    lines = example.splitlines(keepends=True)
    if not lines or not lines[0].startswith(CONFIG_COMMAND):
        raise ValueError("a config example starts with `# sspec import CONFIG`")
    args = shlex.split(lines[0][len(CONFIG_COMMAND):])
    files: dict[str, list[str]] = {args[0]: []}
    current = files[args[0]]
    for line in lines:
        if line.startswith(FILE_MARK):
            current = files.setdefault(line[len(FILE_MARK):].strip(), [])
        current.append(line)
    return args, {name: "".join(text).rstrip("\n") + "\n" for name, text in files.items()}


_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))"
_EPOCHS = "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)"

# MMDetection's schedules/schedule_1x.py, as a base
_SCHEDULE_1X = """
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=12, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
"""
_SCHEDULE_1X_BASE_LR = "base_lr = 0.02\n" + _SCHEDULE_1X.lstrip("\n").replace("lr=0.02",
                                                                               "lr=base_lr")

_SCHEDULE_100E = """
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=100)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
"""

_HELPER_OPTIMIZER = """
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4)
optim_wrapper = dict(optimizer=optimizer)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
"""

_VIT = """
model = dict(
    type='ImageClassifier',
    backbone=dict(type='VisionTransformer', arch='base', img_size=224, patch_size=16),
    head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=768))
"""


def _warmup(iters: int) -> str:
    return (f"warmup_iters = {iters}\n"
            "param_scheduler = [\n"
            "    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,\n"
            "         end=warmup_iters),\n"
            "    dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], gamma=0.1),\n"
            "]")


def _half_epoch_warmup(extra: str) -> str:
    return ("param_scheduler = [\n"
            f"    dict(type='LinearLR', start_factor=0.1, by_epoch=True, end=1.5{extra}),\n"
            f"    dict(type='CosineAnnealingLR', by_epoch=True, begin=1.5{extra}),\n"
            "]")


def _layer_decay(extra: str) -> str:
    return ("optim_wrapper = dict(\n"
            "    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),\n"
            "    constructor='LearningRateDecayOptimWrapperConstructor',\n"
            f"    paramwise_cfg=dict(layer_decay_rate=0.65{extra}))")

_TABLE = [
    # ------------------------------------------------------------ syntax
    Code(
        "E001", "unexpected token",
        "The parser met a word or symbol that cannot stand where it is; the "
        "message says what could have come there instead. Common causes are a "
        "phase closed with `]` instead of `)` (phases are half-open intervals, "
        "`[begin, end)`), `name: value` instead of `name = value`, commas between "
        "the settings of a block (settings in `train { }` and `params { }` are "
        "separated by newlines or spaces), and a space between a number and its "
        "unit (`10 ep` instead of `10ep`).",
        _recipe(_schedule("lr", "[0ep, 10ep]  CosineAnnealingLR(eta_min = 0)")),
        _recipe(_schedule("lr", "[0ep, 10ep)  CosineAnnealingLR(eta_min = 0)")),
    ),
    Code(
        "E002", "unexpected character",
        "A character that begins no token of the language, such as `;`, `$` or "
        "`@`, or a string whose closing quote is missing on its line. Statements "
        "end at the end of their last value, so no `;` is needed; strings do not "
        "span lines.",
        _recipe(optimizer="SGD(lr = 0.1);"),
        _recipe(optimizer="SGD(lr = 0.1)"),
    ),
    Code(
        "E003", "unexpected end of file",
        "The file ends in the middle of a statement: a `{`, `(` or `[` is not "
        "closed, or a statement lacks its last part. The message says what was "
        "expected; the unclosed bracket is usually on an earlier line than the "
        "one reported.",
        _recipe(f"schedule lr {{\n    {_COSINE}"),
        _recipe(_schedule("lr", _COSINE)),
    ),
    Code(
        "E004", "file is not UTF-8 text",
        "Recipes are read as UTF-8, and this file contains bytes that are not "
        "valid UTF-8 (the diagnostic points at the first and gives its value), "
        "typically a comment with an accented letter saved in Latin-1 or "
        "Windows-1252. Nothing else is checked until the file can be read. Save "
        "the file as UTF-8, for example with `iconv`.",
        "$ printf 'train { epochs = 10 }  # r\\xe9sum\\xe9\\n' > recipe.ss\n"
        "$ sspec check recipe.ss\n"
        "recipe.ss:1:27: error[E004]: file is not UTF-8 text: byte 0xe9 cannot be decoded",
        "$ iconv -f latin1 -t utf-8 recipe.ss > recipe.utf8.ss\n"
        "$ mv recipe.utf8.ss recipe.ss",
    ),
    # ------------------------------------------------------------ values and structure
    Code(
        "E101", "unknown name",
        "A bare word that is neither a `let` name defined above it nor a word the "
        "place allows (such as `auto` for `device`, or a priority name after "
        "`priority`). Names are looked up in the order of the file, so a `let` "
        "must come before its first use. Define the name with `let`, correct its "
        "spelling, or quote it to make it a string.",
        _recipe(head=("let base_lr = 0.1 * batch / 256",), data="digits(batch = 64)",
                optimizer="SGD(lr = base_lr)"),
        _recipe(head=("let batch = 64", "let base_lr = 0.1 * batch / 256"),
                data="digits(batch = batch)", optimizer="SGD(lr = base_lr)"),
    ),
    Code(
        "E102", "division by zero",
        "Constant arithmetic divides by zero (`/`, `//` or `%`), or raises zero "
        "to a negative power. sspec folds every expression when it compiles the "
        "recipe, so this is found before anything runs. Check the `let` values "
        "the expression uses; the carets point at the division and the label "
        "names the divisor.",
        _recipe(head=("let gpus = 0", "let base_lr = 0.8 / gpus"),
                optimizer="SGD(lr = base_lr)"),
        _recipe(head=("let gpus = 8", "let base_lr = 0.8 / gpus"),
                optimizer="SGD(lr = base_lr)"),
    ),
    Code(
        "E103", "invalid operation on these values",
        "An operator is applied to values it does not work on: a duration in "
        "epochs added to one in iterations, a string multiplied, a list "
        "negated. Durations may be added to and subtracted from durations of the "
        "same unit, and multiplied or divided by numbers; sspec never converts "
        "between `ep` and `it` inside arithmetic. Write both durations in one "
        "unit.",
        _recipe(_schedule("lr", "[0it, warmup)  LinearLR(start_factor = 0.01)  per iter",
                          "[warmup, end)  CosineAnnealingLR(eta_min = 0)  per iter"),
                head=("let warmup = 1ep + 100it",)),
        _recipe(_schedule("lr", "[0it, warmup)  LinearLR(start_factor = 0.01)  per iter",
                          "[warmup, end)  CosineAnnealingLR(eta_min = 0)  per iter"),
                head=("let warmup = 123it",)),
    ),
    Code(
        "E104", "given twice",
        "Something that may appear once appears twice: the `recipe` name, the "
        "`train` block, `model`, `data`, `optimizer`, a `let` name, "
        "`layer_decay` in an optimizer block, a hook's `priority`, or a key of a "
        "`{key: value}` mapping. sspec does not let the later one silently win. "
        "Keep one, or give the second `let` another name.",
        _recipe("data = digits(batch = 128)", data="digits(batch = 64)"),
        _recipe(data="digits(batch = 128)"),
    ),
    Code(
        "E105", "number out of range",
        "A number too large to be meant: integers must fit in 64 bits, and other "
        "numbers must be finite and at most 1e300 in size. Such a value is "
        "almost always a typo, and it would make constant arithmetic slow or "
        "meaningless. Check the digits and the exponent.",
        _recipe(train="epochs = 10  seed = 20240101123456789012"),
        _recipe(train="epochs = 10  seed = 20240101"),
    ),
    Code(
        "E106", "`--set` key names nothing in the recipe",
        "A `--set KEY=VALUE` override whose key matches nothing: keys are "
        "`train.SETTING`, a `let` name (or `let.NAME`), and `model.ARG`, "
        "`data.ARG` or `optimizer.ARG` for a recipe that has that part. An "
        "override that silently did nothing would start a run with settings "
        "other than the ones asked for, so it is an error. An unknown argument "
        "under a known prefix (`--set model.widht=64`) is reported as E302.",
        _recipe(command="sspec check example.ss --set epochs=20"),
        _recipe(command="sspec check example.ss --set train.epochs=20"),
    ),
    Code(
        "E107", "malformed `--set`",
        "A `--set` argument is not `KEY=VALUE` with a dotted name as key, or its "
        "value is not an sspec expression. Values are written as in a recipe: "
        "`train.epochs=20`, `optimizer.betas=(0.9, 0.95)`, `data.batch=2*64`, "
        "and strings in quotes (`model.backbone=\"convnet\"`; quote the whole "
        "argument for the shell).",
        _recipe(command="sspec check example.ss --set train.epochs"),
        _recipe(command="sspec check example.ss --set train.epochs=20"),
    ),
    Code(
        "E108", "unknown unit",
        "A number with letters glued to it is a duration, and its unit must be "
        "`it` (iterations) or `ep` (epochs). Spellings such as `10epochs`, "
        "`500iters` or `2e` are not guessed at; the message suggests the unit "
        "that was probably meant.",
        _recipe("hook CheckpointHook(interval = 1epoch)"),
        _recipe("hook CheckpointHook(interval = 1ep)"),
    ),
    Code(
        "E111", "training length missing or given twice",
        "The `train` block must give exactly one of `epochs` (an epoch-based "
        "run, MMEngine's EpochBasedTrainLoop) and `iters` (an iteration-based "
        "run, IterBasedTrainLoop). It is also reported when the recipe has no "
        "`train` block at all. Keep the one that says how the run is counted; "
        "`iters_per_epoch` converts between the two.",
        _recipe(train="epochs = 10  iters = 2000"),
        _recipe(train="epochs = 10"),
    ),
    Code(
        "E112", "length of an epoch unknown",
        "An epoch-based run needs the number of iterations in an epoch, to "
        "convert every `ep` bound into iterations. sspec computes it from a "
        "built-in data component's size and batch, exactly as the runtime "
        "batches the data; a user data component (`\"module:callable\"`) has no "
        "known length. Add `iters_per_epoch` to the train block.",
        _recipe(data='"mylab.data:load_images"(batch = 64)'),
        _recipe(train="epochs = 10  iters_per_epoch = 50",
                data='"mylab.data:load_images"(batch = 64)'),
    ),
    Code(
        "E113", "recipe has no model, data or optimizer",
        "Every runnable recipe names a model (`model = ...`), data (`data = "
        "...`) and an optimizer (`optimizer Name(...)`); this one lacks one of "
        "them. Add the missing part; `sspec explain E301` says where components "
        "come from.",
        _recipe(optimizer=None),
        _recipe(),
    ),
    Code(
        "W114", "iters_per_epoch differs from the data's length",
        "The train block gives `iters_per_epoch`, and the data component yields "
        "another number of batches per epoch. The train block's value is used to "
        "convert `ep` into iterations, so epoch bounds no longer fall on the "
        "data's epoch boundaries. Remove `iters_per_epoch` to use the data's "
        "length, or change the data's batch or size.",
        _recipe(train="epochs = 10  iters_per_epoch = 20"),
        _recipe(train="epochs = 10"),
    ),
    Code(
        "E115", "expression nested too deeply",
        "An expression is a chain of so many operators (a sum of a thousand terms, "
        "say) that sspec runs out of stack folding it; nothing else is checked. Such "
        "recipes are written by programs, not by hand. Split the expression into `let` "
        "names that each hold a part of it, or have the program write the value.",
        "$ python -c \"print('let n = 0' + ' + 1' * 2000)\" > deep.ss\n"
        "$ sspec check deep.ss\n"
        "deep.ss:1:1: error[E115]: the recipe nests expressions too deeply to evaluate",
        "$ python -c \"print('\\n'.join(['let n0 = 0'] + [f'let n{i + 1} = n{i}' + ' + 1' * 100 "
        "for i in range(20)]))\" > deep.ss",
    ),
    # ------------------------------------------------------------ schedules
    Code(
        "E201", "phases overlap",
        "Two phases of one schedule cover the same iterations. MMEngine steps "
        "every scheduler whose range contains the iteration and so silently "
        "multiplies their effects: a warm-up overlapping a cosine gives another "
        "curve than a warm-up followed by a cosine. Move a bound so the phases "
        "meet, or, where the product is meant (MMDetection's warm-up on top of "
        "its step schedule), write the phases in a `stack { }` block.",
        _recipe(_schedule("lr", "[0ep, 2ep)  LinearLR(start_factor = 0.01)",
                          "[1ep, end)  CosineAnnealingLR(eta_min = 0)")),
        _recipe(_schedule("lr", "[0ep, 2ep)  LinearLR(start_factor = 0.01)",
                          "[2ep, end)  CosineAnnealingLR(eta_min = 0)")),
    ),
    Code(
        "W202", "gap between phases",
        "Part of training is covered by no phase of a schedule: before its first "
        "phase, or between two phases. As in MMEngine, the value stays where the "
        "previous phase left it (before the first phase, at the optimizer's own "
        "value), which is rarely what a mistyped bound meant. Make the phases "
        "meet; to hold the value on purpose, cover the span with "
        "`ConstantLR(factor = 1)`.",
        _recipe(_schedule("lr", "[0ep, 2ep)  LinearLR(start_factor = 0.01)",
                          "[3ep, end)  CosineAnnealingLR(eta_min = 0)")),
        _recipe(_schedule("lr", "[0ep, 2ep)  LinearLR(start_factor = 0.01)",
                          "[2ep, end)  CosineAnnealingLR(eta_min = 0)")),
    ),
    Code(
        "E203", "empty or reversed phase",
        "A phase `[begin, end)` must have begin < end, and neither bound may be "
        "negative. An empty or reversed phase would never step its scheduler. "
        "Swap or correct the bounds.",
        _recipe(_schedule("lr", "[0ep, 2ep)  LinearLR(start_factor = 0.01)",
                          "[2ep, 0ep)  CosineAnnealingLR(eta_min = 0)")),
        _recipe(_schedule("lr", "[0ep, 2ep)  LinearLR(start_factor = 0.01)",
                          "[2ep, end)  CosineAnnealingLR(eta_min = 0)")),
    ),
    Code(
        "E204", "phase ends after training",
        "A phase ends after the last iteration of training. MMEngine would stop "
        "stepping it when training stops, so the curve as written never "
        "completes; usually the run was shortened and the schedule was not. End "
        "the phase at `end`, which follows the length of training (also under "
        "`--set train.epochs=...`), or train longer.",
        _recipe(_schedule("lr", "[0ep, 12ep)  CosineAnnealingLR(eta_min = 0)")),
        _recipe(_schedule("lr", "[0ep, end)  CosineAnnealingLR(eta_min = 0)")),
    ),
    Code(
        "E205", "phase bound without a unit",
        "A phase bound must be a duration (`10ep`, `500it`), `end`, or a `let` "
        "name holding one. A bare number could mean epochs or iterations, and "
        "sspec never guesses. Glue the unit to the number.",
        _recipe(_schedule("lr", "[0, end)  CosineAnnealingLR(eta_min = 0)")),
        _recipe(_schedule("lr", "[0ep, end)  CosineAnnealingLR(eta_min = 0)")),
    ),
    Code(
        "E206", "ambiguous step count",
        "An argument that counts scheduler steps (`T_max`, `milestones`, "
        "`step_size`, `periods`, `total_steps`) is a bare number in a phase "
        "bounded in epochs but stepped `per iter`. A bare number counts the "
        "phase's own steps, here iterations, while MMEngine's "
        "convert_to_iter_based reads it as epochs and multiplies it by the "
        "length of an epoch; sspec does not guess which was meant. Give the "
        "count a unit: `3ep` or `60it`.",
        _recipe(_schedule("lr", "[0ep, end)  StepLR(step_size = 3, gamma = 0.5)  per iter")),
        _recipe(_schedule("lr", "[0ep, end)  StepLR(step_size = 3ep, gamma = 0.5)  per iter")),
    ),
    Code(
        "E207", "not a whole number of steps",
        "A `per epoch` phase changes its value only at epoch boundaries "
        "(MMEngine's by_epoch=True), so its bounds, and its step counts given "
        "in `it`, must be whole epochs of the run. Likewise an iteration count "
        "(`10.5it`) must be whole, and so must step counts MMEngine takes as "
        "integers, such as OneCycle's `total_steps`. Move the bound to an epoch "
        "boundary, step the phase `per iter`, or round the count.",
        _recipe(_schedule("lr", "[0it, 100it)  LinearLR(start_factor = 0.01)  per iter",
                          "[100it, end)  MultiStepLR(milestones = [4, 7])  per epoch")),
        _recipe(_schedule("lr", "[0ep, 1ep)  LinearLR(start_factor = 0.01)  per iter",
                          "[1ep, end)  MultiStepLR(milestones = [4, 7])  per epoch")),
    ),
    Code(
        "E208", "scheduler made for another parameter",
        "`...LR` schedulers schedule `lr`, `...Momentum` schedulers `momentum`, "
        "`CosineAnnealingWeightDecay` `weight_decay`, and OneCycle only `lr`; "
        "only the `...ParamScheduler` forms take whatever `schedule P` names. "
        "MMEngine takes the parameter from the scheduler's class, so the schedule "
        "would drive another value than the one named. Use the scheduler of the "
        "right family, or its `...ParamScheduler` form.",
        _recipe(_schedule("weight_decay", "[0ep, end)  CosineAnnealingLR(eta_min = 0)"),
                optimizer="SGD(lr = 0.1, weight_decay = 1e-4)"),
        _recipe(_schedule("weight_decay", "[0ep, end)  CosineAnnealingParamScheduler(eta_min = 0)"),
                optimizer="SGD(lr = 0.1, weight_decay = 1e-4)"),
    ),
    Code(
        "E209", "nothing to schedule by that name",
        "The target of `schedule P` is not a key of the optimizer's parameter "
        "groups. Targets are the optimizer's own arguments (`lr`, "
        "`weight_decay`, `eps`, ...), `momentum` (beta1 for Adam-family "
        "optimizers, as in MMEngine), and model attributes written "
        "`model.NAME`. Correct the name, or schedule the model attribute.",
        _recipe(_schedule("beta1", "[0ep, end)  CosineAnnealingParamScheduler(eta_min = 0.85)"),
                optimizer="AdamW(lr = 1e-3, betas = (0.9, 0.999))"),
        _recipe(_schedule("momentum", "[0ep, end)  CosineAnnealingMomentum(eta_min = 0.85)"),
                optimizer="AdamW(lr = 1e-3, betas = (0.9, 0.999))"),
    ),
    Code(
        "W210", "per-epoch phase in an iteration-based run",
        "A phase stepped `per epoch` in a run counted in iterations "
        "(`train { iters = N }`). MMEngine's IterBasedTrainLoop never ends an "
        "epoch, so the scheduler never steps and the value never changes. A "
        "phase without `per` is stepped per epoch unless a bound is in `it`, so "
        "`[0ep, end)` in such a run gets this warning too. Write `per iter`.",
        _recipe(_schedule("lr", "[0it, end)  CosineAnnealingLR(eta_min = 0)  per epoch"),
                train="iters = 2000"),
        _recipe(_schedule("lr", "[0it, end)  CosineAnnealingLR(eta_min = 0)  per iter"),
                train="iters = 2000"),
    ),
    Code(
        "E211", "unknown step unit",
        "The word after `per` says how often a phase steps its scheduler, and it "
        "must be `iter` (every iteration, MMEngine's convert_to_iter_based) or "
        "`epoch` (at epoch boundaries, MMEngine's by_epoch). Without `per`, a "
        "phase is stepped per iteration if one of its bounds is in `it`, and "
        "per epoch otherwise.",
        _recipe(_schedule("lr", "[0ep, end)  CosineAnnealingLR(eta_min = 0)  per iteration")),
        _recipe(_schedule("lr", "[0ep, end)  CosineAnnealingLR(eta_min = 0)  per iter")),
    ),
    Code(
        "E212", "scheduler that cannot be stepped that way",
        "Some schedulers can be stepped only one way: the ReduceOnPlateau "
        "schedulers react to a validation metric and only `per epoch`, as "
        "MMEngine asserts. Step the phase the way the scheduler allows.",
        _recipe(_schedule("lr", "[0ep, end)  ReduceOnPlateauLR(monitor = \"loss\")  per iter")),
        _recipe(_schedule("lr", "[0ep, end)  ReduceOnPlateauLR(monitor = \"loss\")  per epoch")),
    ),
    Code(
        "E213", "arguments MMEngine rejects for this phase",
        "Some scheduler arguments are valid alone but not together or not for "
        "the phase they are in, and MMEngine fails on them at run time: "
        "CosineRestart needs one restart weight per period, and OneCycle's "
        "`total_steps` must cover the whole phase (MMEngine raises once a step "
        "passes it). Make the arguments agree with each other and with the phase.",
        _recipe(_schedule("lr", "[0ep, end)  CosineRestartLR(periods = [5ep, 5ep], "
                                "restart_weights = [1], eta_min = 0)  per epoch")),
        _recipe(_schedule("lr", "[0ep, end)  CosineRestartLR(periods = [5ep, 5ep], "
                                "restart_weights = [1, 0.5], eta_min = 0)  per epoch")),
    ),
    # ------------------------------------------------------------ components and arguments
    Code(
        "E301", "unknown component",
        "The name is not a built-in component of the kind expected there "
        "(optimizer, scheduler, hook, model or data); the message suggests a "
        "close built-in name. Names are case-sensitive and spelled as in torch "
        "and MMEngine; `docs/components.md` lists them. Components of your own "
        "come from `use my_package.module` or are written as a quoted "
        "`\"module:callable\"`.",
        _recipe(optimizer="Adamw(lr = 1e-3)"),
        _recipe(optimizer="AdamW(lr = 1e-3)"),
    ),
    Code(
        "E302", "unknown argument or setting",
        "An argument the component does not take, a setting the `train` block or "
        "a `params` rule does not know, or a top-level setting other than "
        "`model` and `data`. sspec checks every name against the component's "
        "schema instead of passing it on to a constructor that would fail late "
        "or ignore it. Correct the spelling; the message suggests the closest "
        "name or lists those allowed.",
        _recipe(optimizer="SGD(lr = 0.1, momentum = 0.9, weight_deacy = 1e-4)"),
        _recipe(optimizer="SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4)"),
    ),
    Code(
        "E303", "missing argument",
        "The component has a required argument that the call does not give; the "
        "help line describes it. Give the argument.",
        _recipe(_schedule("lr", "[0ep, end)  StepLR(gamma = 0.5)")),
        _recipe(_schedule("lr", "[0ep, end)  StepLR(step_size = 3, gamma = 0.5)")),
    ),
    Code(
        "E304", "wrong type",
        "A value of the wrong type: a number where a duration is needed, a "
        "string where a number is needed, a single value where a list is "
        "needed. Durations always carry their unit (`5ep`, `500it`), so a hook "
        "interval in epochs and one in iterations cannot be confused. Write the "
        "value in the type the message names.",
        _recipe("hook CheckpointHook(interval = 5)"),
        _recipe("hook CheckpointHook(interval = 5ep)"),
    ),
    Code(
        "E305", "value not allowed",
        "The value has the right type but lies outside what the component "
        "accepts: below a minimum, above a maximum, not one of the allowed "
        "choices, or a duration in a unit the argument cannot take. The ranges "
        "are the ones torch and MMEngine reject, plus values that would make "
        "MMEngine's formulas divide by zero, such as `LinearLR(start_factor = "
        "0)`.",
        _recipe(_schedule("lr", "[0ep, 1ep)  LinearLR(start_factor = 0)  per iter",
                          "[1ep, end)  CosineAnnealingLR(eta_min = 0)")),
        _recipe(_schedule("lr", "[0ep, 1ep)  LinearLR(start_factor = 0.001)  per iter",
                          "[1ep, end)  CosineAnnealingLR(eta_min = 0)")),
    ),
    Code(
        "E306", "component of the wrong kind",
        "The name is a built-in component, but of another kind than the place "
        "needs: a scheduler after `hook`, a data set after `model =`, an "
        "optimizer in a phase. Schedulers go in `schedule` blocks, hooks after "
        "`hook`, and so on.",
        _recipe("hook LinearLR(start_factor = 0.01)"),
        _recipe(_schedule("lr", "[0ep, 1ep)  LinearLR(start_factor = 0.01)  per iter",
                          "[1ep, end)  ConstantLR(factor = 1)")),
    ),
    Code(
        "E307", "argument given twice",
        "A call gives the same argument twice. sspec does not let the later one "
        "silently win; keep one.",
        _recipe("hook CheckpointHook(interval = 1ep, keep = 3, interval = 2ep)"),
        _recipe("hook CheckpointHook(interval = 2ep, keep = 3)"),
    ),
    Code(
        "E308", "positional argument",
        "Arguments are passed by name, `name = value`, so a recipe does not "
        "depend on the order of a constructor's parameters. Name the argument.",
        _recipe(optimizer="SGD(0.1)"),
        _recipe(optimizer="SGD(lr = 0.1)"),
    ),
    Code(
        "E309", "arguments that exclude each other",
        "Arguments that cannot be given together, or one that needs another: "
        "`eta_min` and `eta_min_ratio` of the cosine schedulers, `nesterov = "
        "true` without momentum, EMAHook's `gamma` without the "
        "`MomentumAnnealingEMA` type. The message states the rule; keep the "
        "arguments that express what you mean.",
        _recipe(_schedule("lr", "[0ep, end)  CosineAnnealingLR(eta_min = 0, eta_min_ratio = 0.01)")),
        _recipe(_schedule("lr", "[0ep, end)  CosineAnnealingLR(eta_min_ratio = 0.01)")),
    ),
    Code(
        "N310", "component from a `use`d module",
        "A component name that is not built in, in a recipe that has `use`: "
        "sspec takes it to come from the used module. `sspec check` never "
        "imports user code, so its arguments are checked only when `sspec run` "
        "imports it, and a misspelt built-in name shows up as this note instead "
        "of E301. To say exactly where a component comes from, write it as a "
        "quoted `\"module:callable\"`.",
        _recipe("hook GradNormHook(interval = 10)", head=("use mylab.hooks",)),
        _recipe('hook "mylab.hooks:GradNormHook"(interval = 10)'),
    ),
    # ------------------------------------------------------------ hooks
    Code(
        "E401", "cycle in the hook order",
        "The `after` and `before` edges between hooks form a cycle, so no order "
        "satisfies them all. The notes list every edge of the cycle with its "
        "line. Remove one of them, or order by `priority` instead.",
        _recipe("hook fast = EMAHook(momentum = 0.01) after slow",
                "hook slow = EMAHook(momentum = 0.0002) after fast"),
        _recipe("hook fast = EMAHook(momentum = 0.01)",
                "hook slow = EMAHook(momentum = 0.0002) after fast"),
    ),
    Code(
        "E402", "unknown hook reference",
        "`after` and `before` name a hook of this recipe, by its label "
        "(`hook ema = EMAHook(...)`) or by its type (`after EMAHook`), and no "
        "hook has that label or type. Only hooks declared in the recipe can be "
        "named, apart from the implicit `ParamSchedulerHook` of a recipe with "
        "schedules.",
        _recipe("hook ema = EMAHook()", "hook CheckpointHook(interval = 1ep) after emma"),
        _recipe("hook ema = EMAHook()", "hook CheckpointHook(interval = 1ep) after ema"),
    ),
    Code(
        "E403", "priority out of range",
        "A numeric priority must be an integer from 0 (runs first) to 100 (runs "
        "last), as MMEngine's priorities are: HIGHEST is 0, NORMAL 50, LOWEST "
        "100. Use a number in range or a priority name.",
        _recipe("hook CheckpointHook(interval = 1ep) priority 150"),
        _recipe("hook CheckpointHook(interval = 1ep) priority LOWEST"),
    ),
    Code(
        "E404", "unknown priority name",
        "Priority names are MMEngine's: HIGHEST (0), VERY_HIGH (10), HIGH (30), "
        "ABOVE_NORMAL (40), NORMAL (50), BELOW_NORMAL (60), LOW (70), VERY_LOW "
        "(90) and LOWEST (100). Use one of them, or an integer from 0 to 100.",
        _recipe("hook CheckpointHook(interval = 1ep) priority VERYLOW"),
        _recipe("hook CheckpointHook(interval = 1ep) priority VERY_LOW"),
    ),
    Code(
        "W405", "explicit order against priorities",
        "An `after` or `before` edge puts a hook before one that its priority "
        "would run after. The edge wins, so the order differs from what "
        "MMEngine would make of the priorities alone, and from what a reader of "
        "the priorities expects. Give the hook a priority that agrees with the "
        "edge, or drop the edge.",
        _recipe("hook CheckpointHook(interval = 1ep)",
                "hook LoggerHook(interval = 10it) after CheckpointHook"),
        _recipe("hook CheckpointHook(interval = 1ep)",
                "hook LoggerHook(interval = 10it) priority LOWEST after CheckpointHook"),
    ),
    Code(
        "E406", "hook label used twice",
        "Each hook label names one hook, so that `after` and `before` are "
        "unambiguous, and a label may not be the name of a hook type used in "
        "the recipe. Give each hook its own label.",
        _recipe("hook ema = EMAHook(momentum = 0.01)", "hook ema = EMAHook(momentum = 0.0002)"),
        _recipe("hook ema_fast = EMAHook(momentum = 0.01)",
                "hook ema_slow = EMAHook(momentum = 0.0002)"),
    ),
    Code(
        "E407", "hook ordered against itself",
        "A hook's `after` or `before` names the hook itself, by its label or its "
        "type. A hook cannot run before or after itself; name the other hook "
        "meant.",
        _recipe("hook ema = EMAHook()", "hook ckpt = CheckpointHook(interval = 1ep) after ckpt"),
        _recipe("hook ema = EMAHook()", "hook ckpt = CheckpointHook(interval = 1ep) after ema"),
    ),
    Code(
        "W408", "a hook and a schedule write the same value",
        "A hook declares what it writes while training (DenseCLHook sets the "
        "model's `loss_lambda`, for instance), and a `schedule` of the same "
        "target writes it too. Which value the model sees then depends on the "
        "order of the two at every iteration, and the chart of the schedule no "
        "longer shows what trains. Keep one writer: drop the schedule, or the hook.",
        _recipe("schedule model.loss_lambda { [0ep, end)  LinearParamScheduler() }",
                "hook DenseCLHook(start_iters = 100)", model="densecl()"),
        _recipe("hook DenseCLHook(start_iters = 100)", model="densecl()"),
    ),
    Code(
        "E409", "hook needs a part the model lacks",
        "Some hooks act on a part of the model: DenseCLHook on its "
        "`loss_lambda`, SwAVHook on its feature `queue`, ODCHook on its memory "
        "bank, DeepClusterHook on its head and its pseudo-labels. With a "
        "built-in model that has no such part the hook could only fail once "
        "training starts. Use the model the hook is made for, or drop the hook. "
        "(A model from user code is checked when `sspec run` builds it.)",
        _recipe("hook DenseCLHook(start_iters = 100)", model="simsiam()"),
        _recipe("hook DenseCLHook(start_iters = 100)", model="densecl()"),
    ),
    Code(
        "W410", "SimSiamHook and the `fixed_lr` groups disagree",
        "SimSiamHook sets the lr of every param group marked `fixed_lr = true` to "
        "its own `lr`, while the schedules leave those groups at their own lr, "
        "which is what `sspec render` draws. When the two lrs differ, training "
        "does not use the lr the chart shows (`scale_lr_from` makes them differ: "
        "it scales the groups' lr, not the hook's, as MMEngine's `auto_scale_lr` "
        "does); when no group is marked, the hook does nothing. Give the hook "
        "and the group the same lr, or mark the predictor's parameters.",
        _recipe("hook SimSiamHook(fix_pred_lr = true, lr = 0.05)",
                model="simsiam()", optimizer="SGD(lr = 0.05) {\n"
                "    params \"predictor.*\" { fixed_lr = true  lr = 0.01 }\n}"),
        _recipe("hook SimSiamHook(fix_pred_lr = true, lr = 0.05)",
                model="simsiam()", optimizer="SGD(lr = 0.05) {\n"
                "    params \"predictor.*\" { fixed_lr = true }\n}"),
    ),
    # ------------------------------------------------------------ optimizer
    Code(
        "E502", "unknown parameter class",
        "A bare word in `params` is a built-in class of parameters: `bias`, "
        "`norm` (parameters of normalization layers), `dwconv` (depth-wise "
        "convolution weights) or `flat` (one-dimensional parameters). Any other "
        "selector is a glob on parameter names and must be quoted, as in "
        "`params \"*pos_embed\" { ... }`.",
        _recipe(optimizer="SGD(lr = 0.1, weight_decay = 1e-4) {\n"
                          "    params biases { decay_mult = 0 }\n}"),
        _recipe(optimizer="SGD(lr = 0.1, weight_decay = 1e-4) {\n"
                          "    params bias { decay_mult = 0 }\n}"),
    ),
    Code(
        "W503", "`lars_exclude` without LARS",
        "`lars_exclude = true` takes parameters out of LARS's layer-wise "
        "adaptation and weight decay; with any other optimizer it does "
        "nothing. Use the LARS optimizer, or drop the setting.",
        _recipe(optimizer="SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-6) {\n"
                          "    params bias, norm { lars_exclude = true  weight_decay = 0 }\n}"),
        _recipe(optimizer="LARS(lr = 0.1, momentum = 0.9, weight_decay = 1e-6) {\n"
                          "    params bias, norm { lars_exclude = true  weight_decay = 0 }\n}"),
    ),
    # ------------------------------------------------------------ importing MMEngine configs
    Code(
        "E601", "config cannot be read",
        "The config file (or one of its bases) does not exist, cannot be opened, or is not "
        "UTF-8 text. Nothing is imported. Check the path; a base is looked up relative to "
        "the file that names it, as MMEngine does.",
        "$ sspec import config.py\n"
        "config.py:1:1: error[E601]: config `config.py` is not UTF-8 text (byte 15)",
        "$ iconv -f latin1 -t utf-8 config.py > config.utf8.py\n"
        "$ mv config.utf8.py config.py",
    ),
    Code(
        "E602", "syntax error in a config",
        "The config is not valid Python, so MMEngine could not load it either. The error "
        "points at the offending line of the config (or of the base that has it); fix the "
        "file and import again.",
        _config("""
            optim_wrapper = dict(
                optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4)
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
        _config("""
            optim_wrapper = dict(
                optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
    ),
    Code(
        "E603", "base config not found",
        "A file named in `_base_` does not exist. MMEngine resolves a base relative to the "
        "directory of the config that names it; the message shows the path that was tried.",
        _config("_base_ = ['schedule_1x.py']", ("_base_/schedule_1x.py", _SCHEDULE_1X)),
        _config("_base_ = ['_base_/schedule_1x.py']", ("_base_/schedule_1x.py", _SCHEDULE_1X)),
    ),
    Code(
        "E604", "base config that cannot be followed",
        "A `_base_` entry is not a string or list of strings, names a base in another "
        "package (`mmdet::...`), a non-Python base, or a base that includes itself. Copy "
        "the base next to the config, or write the `_base_` list as plain relative paths.",
        _config("_base_ = ['mmdet::_base_/schedules/schedule_1x.py']"),
        _config("_base_ = ['schedule_1x.py']", ("schedule_1x.py", _SCHEDULE_1X)),
    ),
    Code(
        "E605", "key defined by two bases",
        "Two files of one `_base_` list define the same top-level key. MMEngine refuses "
        "this (\"Duplicate key is not allowed among bases\"); move the key to one base or "
        "set it in the child config.",
        _config("_base_ = ['schedule_1x.py', 'runtime.py']",
                ("schedule_1x.py", _SCHEDULE_1X),
                ("runtime.py", """
                    default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=2))
                    train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=24)
                """)),
        _config("""
                    _base_ = ['schedule_1x.py', 'runtime.py']
                    train_cfg = dict(max_epochs=24)
                """,
                ("schedule_1x.py", _SCHEDULE_1X),
                ("runtime.py", """
                    default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=2))
                """)),
    ),
    Code(
        "E606", "child config cannot be merged into its base",
        "The child gives a dict where the base has a value of another type. MMEngine only "
        "merges dicts into dicts; add `_delete_=True` to the child's dict to replace the "
        "base value instead.",
        _config("""
                    _base_ = ['schedule_1x.py']
                    param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True)
                """, ("schedule_1x.py", _SCHEDULE_1X)),
        _config("""
                    _base_ = ['schedule_1x.py']
                    param_scheduler = dict(_delete_=True, type='CosineAnnealingLR', by_epoch=True)
                """, ("schedule_1x.py", _SCHEDULE_1X)),
    ),
    Code(
        "E607", "name not defined",
        "An expression uses a name that is not bound in its file. Each config file is "
        "evaluated in its own scope, as in MMEngine: names of a base are reached through "
        "`_base_.name` (or `{{_base_.name}}`), not by their bare name.",
        _config("""
                    _base_ = ['schedule_1x.py']
                    optim_wrapper = dict(optimizer=dict(lr=base_lr / 2))
                """, ("schedule_1x.py", _SCHEDULE_1X_BASE_LR)),
        _config("""
                    _base_ = ['schedule_1x.py']
                    optim_wrapper = dict(optimizer=dict(lr=_base_.base_lr / 2))
                """, ("schedule_1x.py", _SCHEDULE_1X_BASE_LR)),
    ),
    Code(
        "E608", "expression that fails",
        "Evaluating a config expression fails as it would in Python: a division by zero, "
        "an operator on values of the wrong types, a missing key or index. MMEngine would "
        "fail to load the config the same way.",
        _config("""
            num_gpus = 0
            batch_size = 32
            optim_wrapper = dict(optimizer=dict(
                type='SGD', lr=0.1 * 256 / (num_gpus * batch_size), momentum=0.9))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
        """),
        _config("""
            num_gpus = 8
            batch_size = 32
            optim_wrapper = dict(optimizer=dict(
                type='SGD', lr=0.1 * 256 / (num_gpus * batch_size), momentum=0.9))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
        """),
    ),
    Code(
        "E609", "new-style config not supported",
        "The config uses MMEngine's lazy-import format (`with read_base(): ...`, "
        "`from .base import *`, or imports of non-standard modules, so that types are "
        "Python objects). The importer reads only the classic format with `_base_` and "
        "string `type=` names.",
        _config("""
            from mmengine.config import read_base

            with read_base():
                from .schedule_1x import *

            train_cfg.update(max_epochs=24)
        """),
        _config("""
                    _base_ = ['schedule_1x.py']
                    train_cfg = dict(max_epochs=24)
                """, ("schedule_1x.py", _SCHEDULE_1X)),
    ),
    Code(
        "E610", "training loop missing or invalid",
        "`train_cfg` is missing, gives both `type` and `by_epoch`, gives neither (MMEngine "
        "raises a KeyError), or has a length that is not a positive integer. MMCV 0.x "
        "configs (`runner=`, `lr_config=`) are not MMEngine configs and are not read.",
        _config(_SGD, "train_cfg = dict(max_epochs=12)"),
        _config(_SGD, "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)"),
    ),
    Code(
        "E611", "component without a counterpart",
        "A scheduler, optimizer, optimizer wrapper or constructor type (or an argument value "
        "such as an EMA type) is not one MMEngine or sspec's registry knows, so MMEngine "
        "would refuse it or a recipe cannot say it; a config without `optim_wrapper` is "
        "reported here too. The message names the closest known type when there is one.",
        _config(_SGD, "param_scheduler = [dict(type='CosineLR', by_epoch=True, eta_min=0)]",
                _EPOCHS),
        _config(_SGD, "param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, "
                      "eta_min=0)]", _EPOCHS),
    ),
    Code(
        "E612", "invalid scheduler",
        "A param_scheduler entry MMEngine would reject: `begin >= end`, "
        "`convert_to_iter_based=True` with `by_epoch=False`, a missing `param_name`, or a "
        "bound that is not a number. MMEngine raises when it builds the scheduler, before "
        "training starts.",
        _config(_SGD, _warmup(0), _EPOCHS),
        _config(_SGD, _warmup(500), _EPOCHS),
    ),
    Code(
        "E613", "value that cannot be computed",
        "A value the recipe needs comes from code the importer does not run (a function "
        "call, a comprehension, an f-string, an import). Write it as a literal or constant "
        "arithmetic in the config, or edit the recipe by hand.",
        _config("""
            import os

            num_gpus = int(os.environ.get('WORLD_SIZE', 8))
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.0025 * num_gpus, momentum=0.9))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
        _config("""
            num_gpus = 8
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.0025 * num_gpus, momentum=0.9))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
    ),
    Code(
        "E614", "several optimizers",
        "The config builds several optimizers (a dict of optim wrappers or of scheduler "
        "lists, as GANs do). A recipe has one optimizer; this config cannot be imported.",
        _config("""
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.999))),
                discriminator=dict(optimizer=dict(type='Adam', lr=4e-4, betas=(0.5, 0.999))))
            train_cfg = dict(type='IterBasedTrainLoop', max_iters=100000)
        """),
        _config("""
            optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.5, 0.999)))
            train_cfg = dict(type='IterBasedTrainLoop', max_iters=100000)
        """),
    ),
    Code(
        "E615", "phase past the end of training that cannot be cut",
        "A scheduler ends after training does. MMEngine simply never reaches its end, but "
        "sspec phases must end within training; schedulers whose curve depends on their "
        "end (LinearLR, PolyLR, ConstantLR) cannot be cut there without changing values.",
        _config(_SGD, "param_scheduler = [\n    dict(type='PolyLR', eta_min=1e-4, power=0.9, "
                      "by_epoch=True, begin=0, end=100)]",
                "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50)"),
        _config(_SGD, "param_scheduler = [\n    dict(type='PolyLR', eta_min=1e-4, power=0.9, "
                      "by_epoch=True, begin=0, end=50)]",
                "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50)"),
    ),
    Code(
        "E616", "parameter-wise option MMEngine rejects",
        "A `paramwise_cfg` option MMEngine refuses: a decay multiplier when the optimizer "
        "has no `weight_decay` (\"base_wd should not be None\"), or `custom_keys` that is "
        "not a dict. MMEngine raises when it builds the optimizer.",
        _config("""
            optim_wrapper = dict(
                optimizer=dict(type='SGD', lr=0.1, momentum=0.9),
                paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
        _config("""
            optim_wrapper = dict(
                optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
                paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
    ),
    Code(
        "E617", "value MMEngine rejects",
        "A setting has a value MMEngine refuses when it builds the runner: an unknown hook "
        "priority or one outside 0..100, a `clip_grad` without `max_norm`, a non-positive "
        "`accumulative_counts`, an AmpOptimWrapper `dtype` it does not know, a hook or "
        "hook list that is not a dict or list. The message names the value and the line.",
        _config("""
            optim_wrapper = dict(
                optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
                clip_grad=dict(norm_type=2))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
        _config("""
            optim_wrapper = dict(
                optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
                clip_grad=dict(max_norm=35, norm_type=2))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
    ),
    Code(
        "E690", "written recipe does not check",
        "The recipe the importer wrote has an error when checked. This is a limit or a bug "
        "of the importer; the message gives the checker's error and the config line the "
        "recipe line came from.",
        _config(_SGD, _half_epoch_warmup(""), _EPOCHS),
        _config(_SGD, _half_epoch_warmup(", convert_to_iter_based=True"), _EPOCHS),
    ),
    Code(
        "W601", "not translated",
        "A config setting has no sspec counterpart (a validation loop, a visualization "
        "hook, an optimizer-wrapper option, an argument sspec does not take) and is left "
        "out of the recipe. The message says what is lost; what MMEngine does by default "
        "is never reported.",
        _config(_SGD, _EPOCHS, "default_hooks = dict(\n    checkpoint=dict(type='CheckpointHook', "
                               "interval=1, save_best='auto'))"),
        _config(_SGD, _EPOCHS, "default_hooks = dict(\n    checkpoint=dict(type='CheckpointHook', "
                               "interval=1))"),
    ),
    Code(
        "W602", "stand-in model or data",
        "A config's model and data are not translatable in general: the recipe gets a "
        "registry model and data set of a similar shape, marked `# stand-in` in the "
        "recipe. Replace them before training for real.",
        _config("""
            model = dict(
                type='ImageClassifier',
                backbone=dict(type='ResNet', depth=50),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048))
            train_dataloader = dict(batch_size=32, dataset=dict(type='ImageNet'))
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
        """, args=" --iters-per-epoch 5005"),
        textwrap.dedent("""\
            # Imported by `sspec import` from config.py; stand-ins replaced by hand
            recipe config

            train {
                epochs          = 100
                iters_per_epoch = 5005   # the train dataloader's length (--iters-per-epoch)
            }

            model = "mylab.models:resnet50"(num_classes = 1000)
            data  = "mylab.data:imagenet"(batch = 32)

            optimizer SGD(lr = 0.1, momentum = 0.9)

            hook LoggerHook(interval = 10it)     priority BELOW_NORMAL
            hook CheckpointHook(interval = 1ep)  priority VERY_LOW
        """),
    ),
    Code(
        "W603", "code not evaluated",
        "The importer reads configs without running them. Code it does not need is "
        "skipped: function calls other than dict/list/tuple, comprehensions, f-strings, "
        "imports, statements other than assignments. A value that depends on it and is "
        "needed by the recipe is an E613 error.",
        _config("""
            import os

            data_root = os.environ.get('DATA_ROOT', 'data/coco/')
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
        _config("""
            data_root = 'data/coco/'
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """),
    ),
    Code(
        "W604", "top-level `optimizer` is not used",
        "A config assigns `optimizer = ...` whose value differs from "
        "`optim_wrapper.optimizer`. MMEngine reads only `optim_wrapper`; the top-level "
        "name is a helper variable, and re-assigning it in a child changes nothing unless "
        "the child also re-assigns `optim_wrapper`.",
        _config("""
                    _base_ = ['schedule.py']
                    optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
                """, ("schedule.py", _HELPER_OPTIMIZER)),
        _config("""
                    _base_ = ['schedule.py']
                    optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
                    optim_wrapper = dict(optimizer=optimizer)
                """, ("schedule.py", _HELPER_OPTIMIZER)),
    ),
    Code(
        "W605", "phase cut at the end of training",
        "A scheduler's `end` lies past the end of training (a child shortened "
        "`max_epochs`). Its phase is cut at `end`, with its period arguments (`T_max`, "
        "`total_steps`) made explicit so its values are unchanged; a scheduler that "
        "begins after training is left out.",
        _config("""
                    _base_ = ['schedule_100e.py']
                    train_cfg = dict(max_epochs=30)
                """, ("schedule_100e.py", _SCHEDULE_100E)),
        _config("""
                    _base_ = ['schedule_100e.py']
                    param_scheduler = [
                        dict(type='CosineAnnealingLR', T_max=100, by_epoch=True, begin=0, end=30)]
                    train_cfg = dict(max_epochs=30)
                """, ("schedule_100e.py", _SCHEDULE_100E)),
    ),
    Code(
        "W606", "length of an epoch unknown",
        "No `--iters-per-epoch` was given, so the recipe's epoch length comes from the "
        "stand-in data set. Epoch-based values are exact; where the config mixes "
        "iterations and epochs, pass `--iters-per-epoch N` (the length of the train "
        "dataloader) for a schedule equal to MMEngine's.",
        _config(_SGD, _warmup(500), _EPOCHS),
        _config(_SGD, _warmup(500), _EPOCHS, args=" --iters-per-epoch 7330"),
    ),
    Code(
        "W607", "value inferred",
        "A value MMEngine takes from the model at run time (the number of transformer "
        "blocks for layer-wise lr decay) was inferred from the config's architecture "
        "name. Check it against the model.",
        _config(_VIT, _layer_decay(""), _EPOCHS),
        _config(_VIT, _layer_decay(", num_layers=12"), _EPOCHS),
    ),
    Code(
        "W690", "written recipe has a warning",
        "The recipe the importer wrote checks with a warning (for example a gap between "
        "schedule phases, which MMEngine also leaves). The message gives the checker's "
        "warning and the config line it comes from.",
        _config(_SGD, "param_scheduler = [\n"
                      "    dict(type='LinearLR', start_factor=0.1, by_epoch=True, end=2),\n"
                      "    dict(type='CosineAnnealingLR', by_epoch=True, begin=3)]", _EPOCHS),
        _config(_SGD, "param_scheduler = [\n"
                      "    dict(type='LinearLR', start_factor=0.1, by_epoch=True, end=2),\n"
                      "    dict(type='CosineAnnealingLR', by_epoch=True, begin=2)]", _EPOCHS),
    ),
]

CODES: dict[str, Code] = {c.code: c for c in _TABLE}

FAMILIES = {
    "0": "Syntax",
    "1": "Values and structure",
    "2": "Schedules",
    "3": "Components and arguments",
    "4": "Hooks",
    "5": "Optimizer",
    "6": "Importing MMEngine configs",
}

_WIDTH = 79


def _wrap(text: str) -> str:
    """`text` filled to _WIDTH columns, never breaking inside a `code span`."""
    parts = text.strip().split("`")
    glued = "`".join(p.replace(" ", "\0") if i % 2 else p for i, p in enumerate(parts))
    filled = textwrap.fill(glued, _WIDTH, break_long_words=False, break_on_hyphens=False)
    return filled.replace("\0", " ")


def explain(code: str) -> str:
    c = CODES[code]
    parts = [f"{c.code}: {c.title} ({c.severity})", "", _wrap(c.explanation)]
    if c.example:
        parts += ["", "Example:", "", _indent(c.example)]
    if c.fix:
        parts += ["", "Fix:", "", _indent(c.fix)]
    return "\n".join(parts).rstrip() + "\n"


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.strip("\n").splitlines())


def _fence(text: str) -> list[str]:
    return ["```" + language(text), text.strip("\n"), "```"]


def _heading(c: Code) -> str:
    return f"{c.code}: {c.title}"


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.lower()
    return "".join(ch for ch in text if ch.isalnum() or ch in " -_").replace(" ", "-")


def markdown() -> str:
    """docs/diagnostics.md."""
    out = [
        "# Diagnostics",
        "",
        "<!-- Generated from src/sspec/codes.py by "
        "`python -m sspec.codes > docs/diagnostics.md`; do not edit. -->",
        "",
        _wrap("Every problem sspec finds is reported with a code, a severity, a message "
              "and its place in the recipe. A code's letter is its severity: `E` an "
              "error (the recipe does not compile; exit status 1), `W` a warning (it "
              "compiles; `sspec check --strict` makes warnings errors), `N` a note. "
              "`sspec explain CODE` prints this page's entry for one code."),
        "",
        _wrap("Each example below is a whole recipe that gives its code and no other "
              "diagnostic, and each fix is the same recipe mended; the test suite "
              "checks both. Where the problem lies on the command line, the recipe's "
              "first line is a comment that shows the command."),
        "",
        _wrap("The codes of `sspec import` (E6xx, W6xx; see [commands.md](commands.md)) "
              "are about MMEngine configs, so their examples are configs: the first "
              "line shows the command that imports it, and a line `# file: NAME` "
              "starts another file of the example, such as a base. Every import also "
              "warns W602 for its stand-in model and data, and W606 for an "
              "epoch-based config imported without `--iters-per-epoch`; apart from "
              "those, each example gives its code and no other (E613's also W603, "
              "for the code it skips), and each fix imports without errors."),
        "",
    ]
    digits = sorted({c.code[1] for c in _TABLE})
    groups = [(f"{FAMILIES.get(digit, 'Other')} (E{digit}xx)",
               [c for c in _TABLE if c.code[1] == digit]) for digit in digits]
    for heading, codes in groups:
        out.append(f"- [{heading}](#{_anchor(heading)}): "
                   + ", ".join(f"[{c.code}](#{_anchor(_heading(c))})" for c in codes))
    out.append("")
    for heading, codes in groups:
        out += [f"## {heading}", ""]
        for c in codes:
            out += [f"### {_heading(c)}", "",
                    _wrap(f"*{c.severity.capitalize()}.* {c.explanation}"), ""]
            if c.example:
                out += ["Example:", "", *_fence(c.example), ""]
            if c.fix:
                out += ["Fix:", "", *_fence(c.fix), ""]
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
