"""Schedules drawn in a terminal: braille dot charts and a line per phase.

Each character cell holds a 2×4 grid of braille dots, so a 60-column chart
resolves 120 steps across and 4 per text row. Every column shows the range of
values its iterations take, so a spike is never lost to down-sampling.
"""

from __future__ import annotations

import numpy as np

_BRAILLE = 0x2800
# Dot bits of a braille cell, indexed [row][column], row 0 at the top.
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def fmt(value: float) -> str:
    """A value short enough for an axis label, exact enough to read."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.3e}"


def chart(values: np.ndarray, width: int = 60, height: int = 8,
          iters_per_epoch: int | None = None) -> list[str]:
    """Lines of a braille chart of `values` (one value per iteration)."""
    n = len(values)
    if n == 0:
        return []
    cols, rows = width * 2, height * 4
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi == lo:  # a constant is drawn mid-height, not along the axis
        lo, hi = lo - 1.0, hi + 1.0
    span = hi - lo
    # Column c covers iterations [edges[c], edges[c + 1]).
    edges = np.linspace(0, n, cols + 1).astype(int)
    edges[1:] = np.maximum(edges[1:], edges[:-1] + 1)
    edges = np.minimum(edges, n)
    cells = np.zeros((height, width), dtype=int)
    for c in range(cols):
        a, b = edges[c], max(edges[c + 1], edges[c] + 1)
        if a >= n:
            break
        seg = values[a:b]
        top = rows - 1 - int(round((float(seg.max()) - lo) / span * (rows - 1)))
        bottom = rows - 1 - int(round((float(seg.min()) - lo) / span * (rows - 1)))
        for r in range(top, bottom + 1):
            cells[r // 4, c // 2] |= _DOTS[r % 4][c % 2]
    top, bottom = float(np.max(values)), float(np.min(values))
    labels = [fmt(top)] + [""] * (height - 2) + [fmt(bottom)] if height > 1 else [fmt(top)]
    pad = max(len(s) for s in labels)
    lines = [f"{label:>{pad}} ┤{''.join(chr(_BRAILLE + v) for v in row)}"
             for label, row in zip(labels, cells)]
    lines.append(" " * pad + " └" + "─" * width)
    lines.append(" " * (pad + 2) + _x_axis(n, width, iters_per_epoch))
    return lines


def _x_axis(n: int, width: int, iters_per_epoch: int | None) -> str:
    left = "0"
    right = f"{n} it"
    if iters_per_epoch and n % iters_per_epoch == 0:
        right = f"{n // iters_per_epoch}ep ({n} it)"
    gap = max(width - len(left) - len(right), 1)
    return left + " " * gap + right
