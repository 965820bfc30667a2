"""The schedule chart: one panel per scheduled quantity, drawn with matplotlib.

Only `sspec render` imports this module (matplotlib is slow to import). The
figure is built without pyplot, so no display or GUI backend is involved.
"""

from __future__ import annotations

import numpy as np

# Shades for alternate phases and colours for param groups (colour-blind safe).
_PHASE_SHADES = ("#4C72B0", "#DD8452")
_GROUP_COLOURS = ("#1f3b73", "#c44e52", "#55a868", "#8172b3", "#937860", "#da8bc3")
_MAX_POINTS = 4000  # beyond this a curve is drawn as its per-bin min/max envelope


def envelope(values: np.ndarray, points: int = _MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """x and y to draw for `values`; long curves keep each bin's min and max,
    so a one-iteration spike still shows."""
    n = len(values)
    if n <= points:
        return np.arange(n), values
    bins = points // 2
    edges = np.linspace(0, n, bins + 1).astype(int)
    lo = np.minimum.reduceat(values, edges[:-1])
    hi = np.maximum.reduceat(values, edges[:-1])
    x = np.repeat(edges[:-1], 2)
    y = np.column_stack([hi, lo]).ravel()
    return x, y


def figure(result, title: str):
    from matplotlib.figure import Figure
    from matplotlib.ticker import EngFormatter, FuncFormatter

    from . import scheduled

    targets = scheduled(result)
    fig = Figure(figsize=(8, 1.2 + 2.1 * max(len(targets), 1)), layout="constrained")
    axes = fig.subplots(max(len(targets), 1), 1, sharex=True, squeeze=False)[:, 0]
    n, ipe = result.iterations, result.iters_per_epoch
    for ax, target in zip(axes, targets):
        _shade_phases(ax, result.phases.get(target, []), n)
        curves = [("optimizer", result.values[target])]
        curves += [(_group_label(result, name), vals[target])
                   for name, vals in result.groups.items() if target in vals]
        for (name, vals), colour in zip(curves, _GROUP_COLOURS * 8):
            x, y = envelope(np.asarray(vals, dtype=float))
            ax.plot(x, y, color=colour, linewidth=1.4, drawstyle="steps-post",
                    label=name if len(curves) > 1 else None)
        ax.set_ylabel(target)
        ax.set_xlim(0, n)
        ax.grid(True, alpha=0.25, linewidth=0.6)
        # values in their own digits (`3.75e-05`), never a shared offset that
        # would collide with the epoch axis above
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if len(curves) > 1:
            ax.legend(loc="best", fontsize=8, frameon=False)
    axes[-1].set_xlabel("iteration")
    axes[-1].xaxis.set_major_formatter(EngFormatter(sep=""))
    if ipe:
        top = axes[0].secondary_xaxis("top", functions=(lambda it: it / ipe,
                                                         lambda ep: ep * ipe))
        top.set_xlabel("epoch")
    fig.suptitle(title, fontsize=11)
    return fig


def _shade_phases(ax, phases, n: int) -> None:
    box = dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.8)
    for k, (begin, end, name, per) in enumerate(phases):
        ax.axvspan(begin, end, color=_PHASE_SHADES[k % 2], alpha=0.08, linewidth=0)
        ax.axvline(begin, color="#999999", linewidth=0.5, linestyle=":")
        label = name if per == "iter" else f"{name} (per epoch)"
        if (end - begin) >= 0.15 * n:
            ax.text((begin + end) / 2, 0.04, label, transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=7, color="#333333", bbox=box)
        else:  # a narrow phase (a warm-up): its label stands up beside it
            ax.text(end, 0.5, " " + label, transform=ax.get_xaxis_transform(),
                    ha="left", va="center", rotation=90, fontsize=7, color="#333333")


def _group_label(result, name: str) -> str:
    """`params "predictor.*"` rather than the group's line number."""
    info = result.group_info.get(name)
    if info is None:
        return name
    selectors = ", ".join(f'"{v}"' if k == "glob" else v
                          for sel in info.selectors for k, v in sel.items())
    return f"params {selectors}"


def save(result, title: str, path: str, fmt: str) -> None:
    figure(result, title).savefig(path, format=fmt, dpi=200)
