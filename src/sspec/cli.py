"""The `sspec` command. Each command only wires the stages together.

Exit status: 0 success, 1 the recipe has errors, 2 a usage error (click's
convention). Heavy modules are imported inside the commands that need them,
so `sspec check` starts fast and never imports torch.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from .diagnostics import Diagnostic, Severity, TextRenderer, render_json

SET_HELP = "Override a value before checking, e.g. `train.epochs=100` (repeatable)."


def _read(path: str) -> tuple[str | None, Diagnostic | None]:
    from .diagnostics import Span, error

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, error("E004", f"file is not UTF-8 text: byte 0x{data[exc.start]:02x} "
                           "cannot be decoded", Span.point(path, line, column),
                           help="save the recipe as UTF-8")


def _compile(path: str, overrides: tuple[str, ...], plan: bool = True):
    """Compile one file; returns (result, sources for rendering)."""
    from .compiler import Result, compile_source, override_text
    from .compiler.lower import OVERRIDE_FILE

    text, problem = _read(path)
    sources = {OVERRIDE_FILE: override_text(list(overrides))}
    if problem is not None:
        return Result(path, diagnostics=[problem]), sources
    sources[path] = text
    return compile_source(text, path, list(overrides), plan=plan), sources


def _checked_plan(path: str, overrides: tuple[str, ...], show: bool = True) -> dict:
    """The Plan of a recipe; its diagnostics go to stderr (warnings only if
    `show`), and a recipe with errors ends the command with exit status 1
    before anything else runs."""
    return _checked(*_compile(path, overrides), show)


def _checked(result, sources: dict, show: bool = True) -> dict:
    """`_checked_plan` of a compiled recipe."""
    if result.diagnostics and (show or not result.ok):
        click.echo(_renderer(sources, sys.stderr).render_all(result.diagnostics), err=True)
    if not result.ok:
        sys.exit(1)
    return result.plan


def _plan_for(path: str, overrides: tuple[str, ...], world_size: int,
              show: bool) -> tuple[dict, int | None]:
    """The checked Plan of a recipe trained by `world_size` processes, and the
    world size the recipe (or a `--set`) itself gives, None where it gives
    none. The processes that train decide `train.world_size`: the recipe is
    compiled again with it only where its own differs (never in a plain
    one-process run of a recipe that says nothing)."""
    result, sources = _compile(path, overrides)
    setting = result.recipe.train.get("world_size") if result.recipe and result.recipe.train else None
    written = setting.value if setting is not None else None
    if not (result.ok and (result.train or {}).get("world_size") == world_size):
        result, sources = _compile(path, (*overrides, f"train.world_size={world_size}"))
    return _checked(result, sources, show), written


def _totals(train: dict | None) -> str | None:
    """The batch arithmetic of a recipe for several processes or with a
    scaled lr (None for one process without scaling), for check and render:
    `8 processes x batch 32 = global batch 256; 6 iterations per epoch, 72 in
    all; lr x 1 (global batch / scale_lr_from 256)`."""
    if not train or (train.get("world_size", 1) == 1 and train.get("lr_scale") is None):
        return None
    ws, batch = train.get("world_size", 1), train.get("global_batch")
    parts = [f"{ws} process{'es' if ws != 1 else ''}"
             + (f" x batch {batch // ws} = global batch {batch}" if batch else "")]
    if batch and (train.get("accumulate") or 1) > 1:
        parts[0] += f" ({batch * train['accumulate']} per optimizer step)"
    ipe, iters = train.get("iters_per_epoch"), train.get("iters")
    if iters:
        parts.append((f"{ipe} iterations per epoch, " if ipe else "") + f"{iters} iterations in all")
    if train.get("lr_scale") is not None:
        parts.append(f"lr x {train['lr_scale']:g} (global batch / scale_lr_from "
                     f"{train['scale_lr_from']})")
    return "; ".join(parts)


def _renderer(sources: dict, stream) -> TextRenderer:
    return TextRenderer(sources, colour=stream.isatty())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sspec")
def main() -> None:
    """sspec: a compiler for deep-learning training recipes."""


@main.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print diagnostics.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--hooks", "show_hooks", is_flag=True,
              help="Also show the order of the hooks at every hook point, and what each writes.")
def check(files, fmt, overrides, strict, show_hooks) -> None:
    """Check recipes and report every problem found, without training."""
    all_diagnostics, sources, orders, totals = [], {}, {}, {}
    for path in files:
        result, file_sources = _compile(path, overrides, plan=show_hooks)
        if show_hooks and result.ok:
            orders[path] = result.plan
        sources.update(file_sources)
        total = _totals(result.train) if result.ok else None
        if total:
            totals[path] = total
        diagnostics = result.diagnostics
        if strict:
            diagnostics = [d.as_error() if d.severity is Severity.WARNING else d
                           for d in diagnostics]
        all_diagnostics += diagnostics
    # A malformed `--set` is the same mistake for every file: say it once.
    all_diagnostics = list(dict.fromkeys(all_diagnostics))
    if fmt == "json":
        click.echo(render_json(all_diagnostics))
    elif all_diagnostics:
        click.echo(_renderer(sources, sys.stdout).render_all(all_diagnostics))
    else:
        click.echo(f"{len(files)} recipe{'s' if len(files) != 1 else ''} checked: no problems")
    if fmt == "text":
        for path, text in totals.items():  # a multi-process or lr-scaled run's arithmetic
            click.echo(f"{path}: {text}")
        for path, plan in orders.items():
            click.echo("\n" + hook_order_text(path, plan))
    sys.exit(1 if any(d.is_error for d in all_diagnostics) else 0)


@main.command(name="compile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the Plan here instead of to standard output.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
def compile_(file, output, overrides) -> None:
    """Check a recipe and print its Plan as JSON."""
    plan = _checked_plan(file, overrides)
    text = json.dumps(plan, indent=2) + "\n"
    if output:
        _write_atomic(Path(output), text)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("code")
def explain(code) -> None:
    """Explain a diagnostic code (e.g. E201): what it means and how to fix it."""
    from .codes import CODES, explain as explain_code
    from .registry import suggest

    key = code.upper()
    if key not in CODES:
        hint = suggest(key, CODES)
        raise click.UsageError(f"no diagnostic has the code {code!r}"
                               + (f"; did you mean {hint}?" if hint else ""))
    click.echo(explain_code(key))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write here; the format follows the extension (.png .svg .pdf .csv .json).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf", "csv", "json"]),
              help="Output format (default: from -o's extension; a terminal chart without -o).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
def render(file, output, fmt, overrides) -> None:
    """Draw a recipe's schedule, or export its exact per-iteration values."""
    if fmt is None and output:
        fmt = Path(output).suffix.lstrip(".").lower()
        if fmt not in ("png", "svg", "pdf", "csv", "json"):
            raise click.UsageError(f"cannot tell the format from {output!r}: use an extension "
                                   ".png .svg .pdf .csv .json, or --format")
    if fmt in ("png", "svg", "pdf") and not output:
        raise click.UsageError(f"a {fmt} chart needs a file: add -o chart.{fmt}")
    plan = _checked_plan(file, overrides)

    from . import render as draw
    from .schedules import ScheduleError

    try:
        values = draw.compute(plan)
    except ScheduleError as exc:
        where = f"{file}:{exc.line}: " if getattr(exc, "line", None) else f"{file}: "
        click.echo(f"{where}error: {exc}", err=True)
        sys.exit(1)
    title = f"{plan['recipe']} ({plan['train']['iters']} iterations)"
    total = _totals(plan["train"])
    if total:
        title += f"\n{total}"
    if fmt in draw.IMAGE_FORMATS:
        draw.save_image(values, title, output, fmt)
        click.echo(f"wrote {output}", err=True)
        return
    if fmt is None:
        width = 100
        try:
            import shutil

            width = shutil.get_terminal_size().columns
        except OSError:
            pass
        click.echo(draw.terminal_report(values, title, width))
        return
    text = draw.as_json(values) + "\n" if fmt == "json" else draw.as_csv(values)
    if output:
        _write_atomic(Path(output), text)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="Where metrics, checkpoints and the summary go (default: runs/<recipe>).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--resume", is_flag=True,
              help="Continue from the newest checkpoint in the work directory that loads.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None,
              help="Where to train (default: the recipe's `train.device`, auto: cuda if available).")
@click.option("--nproc", type=click.IntRange(min=1), default=None,
              help="Train in N processes on this machine (torch.distributed: gloo on the CPU, "
                   "NCCL on CUDA, one GPU each).")
@click.option("--nnodes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Machines taking part, each running this command with its --node-rank.")
@click.option("--node-rank", type=click.IntRange(min=0), default=0, show_default=True,
              help="This machine's number, 0 to nnodes - 1 (0 has the rendezvous endpoint).")
@click.option("--rdzv-endpoint", metavar="HOST:PORT",
              help="Machine 0's address and a free port, the same on every machine.")
def run(file, work_dir, overrides, resume, device, nproc, nnodes, node_rank, rdzv_endpoint) -> None:
    """Train a recipe: metrics.jsonl, checkpoints and summary.json in the work directory."""
    from .runtime import distributed

    if nproc is None and (nnodes != 1 or node_rank or rdzv_endpoint):
        raise click.UsageError("--nnodes, --node-rank and --rdzv-endpoint need --nproc")
    if nproc is not None and distributed.launched():
        raise click.UsageError("--nproc starts processes, but this one was started by a "
                               "launcher (torchrun): leave --nproc out")
    if nnodes > 1 and not rdzv_endpoint:
        raise click.UsageError("several machines (--nnodes) need --rdzv-endpoint HOST:PORT, "
                               "machine 0's address and port")
    if node_rank >= nnodes:
        raise click.UsageError(f"--node-rank {node_rank} is not below --nnodes {nnodes}")
    # The processes that train decide `train.world_size`, over the recipe's:
    # the iterations per epoch and a scaled lr follow the run as launched.
    world_size = nproc * nnodes if nproc is not None else distributed.env_world_size()
    rank = distributed.env_rank()
    launching = nproc is not None
    plan, recipe_world_size = _plan_for(file, overrides, world_size,
                                        show=rank == 0 and not launching)  # warnings: once, from rank 0
    if rank == 0 and not launching and recipe_world_size not in (None, world_size):
        click.echo(f"note: the recipe is for train.world_size = {recipe_world_size}; "
                   f"this run has {world_size} process(es), and its epochs and lr follow that",
                   err=True)

    if launching:
        worker = ["run", file, *(["--work-dir", work_dir] if work_dir else []),
                  *(a for o in overrides for a in ("--set", o)),
                  *(["--resume"] if resume else []), *(["--device", device] if device else [])]
        try:
            distributed.launch(worker, nproc, nnodes, node_rank, rdzv_endpoint)
        except distributed.LaunchError as exc:
            click.echo(f"{file}: error: training stopped: {exc}", err=True)
            sys.exit(1)
        return

    work = Path(work_dir) if work_dir else Path("runs") / plan["recipe"]
    try:
        with _runtime_errors(file if rank == 0 else f"[process {rank}] {file}"):
            from .runtime.loop import Runner

            # builds hooks, model, data and optimizer; nothing is written yet
            runner = Runner(plan, work, device=device, resume=resume,
                            log=lambda text: click.echo(text, err=True))
            runner.run()
    finally:
        distributed.shutdown()


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
def params(file, overrides) -> None:
    """Show which parameters get which lr and weight decay, without training.

    The model is built on torch's meta device: no memory, no weights."""
    plan = _checked_plan(file, overrides)
    with _runtime_errors(file):
        from .runtime.optim import param_table

        click.echo(param_table(plan))


@contextlib.contextmanager
def _runtime_errors(file: str):
    """Errors found once the model is built, said like the compiler's, exit 1."""
    from .runtime.loop import RunError
    from .runtime.optim import OptimizerBuildError, ParamRuleError
    from .schedules import ScheduleError

    try:
        yield
    except ParamRuleError as exc:  # located at the rule
        for problem in exc.problems:
            click.echo(f"{file}:{problem.line}:1: error: {problem.message}"
                       + (f"\n   = help: {problem.help}" if problem.help else ""), err=True)
        sys.exit(1)
    except (RunError, OptimizerBuildError, ScheduleError, ImportError, ValueError) as exc:
        for line in str(exc).splitlines():
            click.echo(f"{file}: error: {line}", err=True)
        sys.exit(1)


@main.command(name="import")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the recipe here instead of to standard output.")
@click.option("--iters-per-epoch", type=click.IntRange(min=1),
              help="The dataloader's length: batches in one epoch.")
def import_(config, output, iters_per_epoch) -> None:
    """Translate an MMEngine / OpenMMLab config into a recipe (read, never run)."""
    from .importer import import_config

    result = import_config(config, iters_per_epoch, recipe_file=output)
    if result.diagnostics:
        click.echo(_renderer(result.sources, sys.stderr).render_all(result.diagnostics),
                   err=True)
    if result.text is None:
        sys.exit(1)
    if output:
        _write_atomic(Path(output), result.text)
    else:
        click.echo(result.text, nl=False)


def _write_atomic(path: Path, text: str) -> None:
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a plan is not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def hook_order_text(path: str, plan: dict) -> str:
    """The hooks of a Plan at every hook point, in the order they run, with
    their priorities and what each writes (`sspec check --hooks`)."""
    from .registry import PRIORITIES, lookup

    names = {v: k for k, v in PRIORITIES.items()}
    defs = {d["label"]: d for d in plan.get("hook_defs") or []}
    if not defs:
        return f"{path}: no hooks"
    lines = [f"{path}: hooks in the order they run at each point (priority; recipe line)"]
    width = max(len(p) for p in plan["hooks"])
    for point, labels in plan["hooks"].items():
        shown = []
        for label in labels:
            d = defs[label]
            priority = " ".join(str(x) for x in (d["priority"], names.get(d["priority"])) if x is not None)
            shown.append(f"{label} ({priority}; " + (f"line {d['line']})" if d.get("line") else "implicit)"))
        lines.append(f"  {point:<{width}}  " + " → ".join(shown))
    writers = []
    for label, d in defs.items():
        component = lookup(d["type"])
        if component is not None and component.kind == "hook" and component.writes:
            writers.append(f"  {label} writes " + ", ".join(
                "the lr of the `fixed_lr` groups" if w == "lr:fixed" else f"`{w}`" for w in component.writes))
    return "\n".join(lines + (["what the hooks write:", *writers] if writers else []))


if __name__ == "__main__":
    main()
