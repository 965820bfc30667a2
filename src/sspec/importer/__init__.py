"""`sspec import`: an MMEngine config (Python, with `_base_` files) → a recipe.

    result = import_config("configs/mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py",
                           iters_per_epoch=2502)
    result.text          # the recipe, or None when there is an error
    result.diagnostics   # E6xx / W6xx diagnostics whose spans point into the config files
    result.sources       # file → text of every config file read, for rendering snippets

The config is read with `ast` and never run (see `config.py`); the merged
config is translated part by part as MMEngine's Runner would use it
(`translate.py`), written out aligned (`render.py`), and the written recipe is
checked with the compiler: a problem there comes back as E690/W690 on the
config line the recipe line came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Span, error, sort_key, warning
from .config import load
from .render import render
from .translate import Translator
from .values import Lets

__all__ = ["import_config", "ImportResult"]


@dataclass
class ImportResult:
    path: str
    text: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.text is not None and not any(d.is_error for d in self.diagnostics)


def import_config(path: str, iters_per_epoch: int | None = None,
                  recipe_file: str | None = None) -> ImportResult:
    """Translate the MMEngine config at `path` into a recipe.

    `iters_per_epoch` is the length of the config's train dataloader (MMEngine
    computes it from the data set; the importer cannot). `recipe_file` names
    the recipe in the check of the written text (default: `path` with `.ss`).
    Never raises on a bad config: every problem is a diagnostic.
    """
    if iters_per_epoch is not None and (isinstance(iters_per_epoch, bool)
                                        or not isinstance(iters_per_epoch, int)
                                        or iters_per_epoch < 1):
        raise ValueError(f"iters_per_epoch must be a positive integer, got {iters_per_epoch!r}")
    loaded = load(path)
    result = ImportResult(path, None, list(loaded.diagnostics), dict(loaded.sources))
    if loaded.cfg is None or any(d.is_error for d in loaded.diagnostics):
        result.diagnostics.sort(key=sort_key)
        return result
    translator = Translator(loaded, iters_per_epoch)
    draft = translator.run()
    shared = translator.lets.shared()
    if draft is not None and shared:   # again, writing the shared names as `let`s
        translator = Translator(loaded, iters_per_epoch, Lets(shared))
        draft = translator.run()
    result.diagnostics += translator.diagnostics
    if draft is not None:
        text, origins = render(draft)
        name = recipe_file or (path[:-3] if path.endswith(".py") else path) + ".ss"
        problems = _check(text, name, origins, Span.whole_file(path))
        result.diagnostics += problems
        if not any(d.is_error for d in result.diagnostics):
            result.text = text
    result.diagnostics.sort(key=sort_key)
    return result


def _check(text: str, name: str, origins: dict[int, Span], fallback: Span) -> list[Diagnostic]:
    """The compiler's verdict on the written recipe, on the config's lines."""
    from ..compiler import compile_source

    compiled = compile_source(text, name)
    out = []
    for d in compiled.diagnostics:
        line = d.span.line if d.span else 0
        # a wrapped line's continuation has no origin of its own: take its first line's
        origin_line = max((n for n in origins if n <= line), default=None)
        span = origins.get(origin_line) if origin_line is not None else fallback
        recipe_line = text.splitlines()[line - 1].strip() if 0 < line <= len(text.splitlines()) \
            else ""
        notes = [f"recipe line {line}: {recipe_line}"] + list(d.notes)
        if d.is_error:
            out.append(error("E690", f"the written recipe does not check: {d.message} "
                             f"[{d.code}]", span, notes=notes, help=d.help))
        else:
            out.append(warning("W690", f"{d.message} [{d.code}]", span, notes=notes, help=d.help))
    return out
