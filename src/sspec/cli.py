"""The `sspec` command. Each command only wires the stages together.

Exit status: 0 success, 1 the recipe has errors, 2 a usage error (click's
convention). Heavy modules are imported inside the commands that need them,
so `sspec check` starts fast and never imports torch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .diagnostics import Diagnostic, Severity, TextRenderer, render_json, summary

SET_HELP = "Override a value before checking, e.g. `train.epochs=100` (repeatable)."


def _read(path: str) -> tuple[str | None, Diagnostic | None]:
    from .diagnostics import Span, error

    try:
        return Path(path).read_text(encoding="utf-8"), None
    except UnicodeDecodeError as exc:
        return None, error("E004", f"file is not UTF-8 text (byte {exc.start})",
                           Span.point(path, 1, 1), help="save the recipe as UTF-8")
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from exc


def _compile(path: str, overrides: tuple[str, ...]):
    """Compile one file; returns (result, sources for rendering)."""
    from .compiler import Result, compile_source, override_text
    from .compiler.lower import OVERRIDE_FILE

    text, problem = _read(path)
    sources = {OVERRIDE_FILE: override_text(list(overrides))}
    if problem is not None:
        return Result(path, diagnostics=[problem]), sources
    sources[path] = text
    return compile_source(text, path, list(overrides)), sources


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
def check(files, fmt, overrides, strict) -> None:
    """Check recipes and report every problem found, without training."""
    all_diagnostics, sources = [], {}
    for path in files:
        result, file_sources = _compile(path, overrides)
        sources.update(file_sources)
        diagnostics = result.diagnostics
        if strict:
            diagnostics = [d.as_error() if d.severity is Severity.WARNING else d
                           for d in diagnostics]
        all_diagnostics += diagnostics
    if fmt == "json":
        click.echo(render_json(all_diagnostics))
    elif all_diagnostics:
        click.echo(_renderer(sources, sys.stdout).render_all(all_diagnostics))
    else:
        click.echo(f"{len(files)} recipe{'s' if len(files) != 1 else ''} checked: no problems")
    sys.exit(1 if any(d.is_error for d in all_diagnostics) else 0)


@main.command(name="compile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the Plan here instead of to standard output.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
def compile_(file, output, overrides) -> None:
    """Check a recipe and print its Plan as JSON."""
    result, sources = _compile(file, overrides)
    if result.diagnostics:
        click.echo(_renderer(sources, sys.stderr).render_all(result.diagnostics), err=True)
    if not result.ok:
        sys.exit(1)
    text = json.dumps(result.plan, indent=2) + "\n"
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


def _write_atomic(path: Path, text: str) -> None:
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    main()
