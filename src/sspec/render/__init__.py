"""`sspec render`: the schedule of a checked recipe, as a chart or as numbers.

The values come from `sspec.schedules`, the same functions `sspec run` uses,
so what is drawn is what trains. matplotlib is imported only for image files.
"""

from __future__ import annotations

import csv
import io
import json

from ..schedules import ScheduleValues, compute, to_json
from .terminal import chart, fmt

IMAGE_FORMATS = ("png", "svg", "pdf")
FORMATS = IMAGE_FORMATS + ("csv", "json")

__all__ = ["compute", "FORMATS", "IMAGE_FORMATS", "as_csv", "as_json", "terminal_report",
           "save_image"]


def as_json(result: ScheduleValues) -> str:
    return json.dumps(to_json(result))


def _columns(result: ScheduleValues) -> list[tuple[str, object]]:
    """(header, values) for every curve: the default group's, then each
    param group's where it differs (`lr[line 21]`)."""
    cols = [(target, values) for target, values in result.values.items()]
    for group, curves in result.groups.items():
        cols += [(f"{target}[{group}]", values) for target, values in curves.items()]
    return cols


def as_csv(result: ScheduleValues) -> str:
    """A header `iter,epoch,lr,...` and one row per iteration; `epoch` is the
    0-based epoch the iteration falls in (empty without an epoch length)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cols = _columns(result)
    writer.writerow(["iter", "epoch"] + [name for name, _ in cols])
    ipe = result.iters_per_epoch
    lists = [values.tolist() for _, values in cols]  # exact floats, repr round-trips
    for i, row in enumerate(zip(*lists)):
        writer.writerow([i, i // ipe if ipe else ""] + [repr(v) for v in row])
    return out.getvalue()


def _bound(iters: int, ipe: int | None) -> str:
    if ipe and iters % ipe == 0:
        return f"{iters // ipe}ep"
    return f"{iters}it"


def phase_summary(result: ScheduleValues) -> list[str]:
    """One line per phase: target, interval, scheduler, start value → end value
    (the values at the phase's first and last iterations, default group)."""
    ipe = result.iters_per_epoch
    rows = []
    for target, phases in result.phases.items():
        values = result.values[target]
        for begin, end, name, per in phases:
            last = min(end, result.iterations) - 1
            rows.append((target, f"[{_bound(begin, ipe)}, {_bound(end, ipe)})",
                         f"{name} per {per}", f"{fmt(values[begin])} → {fmt(values[last])}"))
    if not rows:
        return ["nothing is scheduled"]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths)) + "  " + r[3]
            for r in rows]


def scheduled(result: ScheduleValues) -> list[str]:
    """The targets that some phase schedules (the others are constant)."""
    return [t for t in result.values if result.phases.get(t)]


def terminal_report(result: ScheduleValues, title: str, width: int) -> str:
    lines = [title, ""]
    chart_width = max(20, min(width, 120) - 16)
    for target in scheduled(result):
        lines.append(target)
        lines += chart(result.values[target], width=chart_width,
                       iters_per_epoch=result.iters_per_epoch)
        lines.append("")
    lines += phase_summary(result)
    constant = [f"{t} = {fmt(result.values[t][0])}" for t in result.values
                if t not in scheduled(result)]
    if constant:
        lines.append("constant: " + ", ".join(constant))
    for group, curves in result.groups.items():
        lines.append(f"param group `{group}` differs in " + ", ".join(curves))
    return "\n".join(lines)


def save_image(result: ScheduleValues, title: str, path: str, fmt_: str) -> None:
    from .image import save

    save(result, title, path, fmt_)
