"""`sspec import` parity with MMEngine: imported recipes render MMEngine's curves.

Each fixture in tests/reference/fixtures_imports holds, for one config under
tests/import_configs and one train-dataloader length, the default group's
lr / momentum / weight decay at every iteration as MMEngine 0.10.7 schedules
them from the config itself (read with `mmengine.Config.fromfile`, run by a
real Runner; see tests/reference/record_imports.py). Here the same config is
imported with `import_config(path, iters_per_epoch)`, the recipe written is
compiled, and `sspec.schedules.compute` must give the same numbers, to 1e-12
of each curve's peak. Neither mmengine nor torch is imported.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sspec.compiler import compile_source
from sspec.importer import import_config
from sspec.schedules import compute

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((Path(__file__).parent / "reference" / "fixtures_imports").glob("*.json"))
RTOL = 1e-12

# The configs the issue names: every one must have a fixture.
REQUIRED = {
    "tests/import_configs/mmselfsup/mae/mae_vit-base-p16_8xb512-coslr-400e_in1k.py",
    "tests/import_configs/mmselfsup/mae/mae_vit-base-p16_8xb512-amp-coslr-400e_in1k.py",
    "tests/import_configs/mmselfsup/mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py",
    "tests/import_configs/mmselfsup/densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py",
    "tests/import_configs/mmselfsup/simsiam/simsiam_resnet50_8xb32-coslr-200e_in1k.py",
    "tests/import_configs/mmselfsup/simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py",
    "tests/import_configs/mmdet/retinanet/retinanet_r50_fpn_1x_coco.py",
}


def _unrle(runs) -> np.ndarray:
    return np.concatenate([np.full(n, v, dtype=np.float64) for v, n in runs])


def _close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, f"{what}: {got.shape} iterations, MMEngine {want.shape}"
    scale = float(np.max(np.abs(want))) if len(want) else 0.0
    err = np.abs(got - want)
    worst = int(np.argmax(err)) if len(err) else 0
    assert np.all(err <= RTOL * scale), (
        f"{what}: iteration {worst}: sspec {got[worst]!r}, MMEngine {want[worst]!r} "
        f"(|diff| {err[worst]:.3g} > {RTOL:g} x peak {scale:.3g}); "
        f"{int(np.sum(err > RTOL * scale))} iterations differ")


def _imported_values(fixture: dict):
    path = ROOT / fixture["config"]
    result = import_config(str(path), fixture["iters_per_epoch"])
    errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert result.text is not None and not errors, errors
    compiled = compile_source(result.text, path.with_suffix(".ss").name)
    problems = [f"{d.code} {d.message}" for d in compiled.diagnostics if d.is_error]
    assert compiled.plan is not None, problems
    return compute(compiled.plan)


def test_every_named_config_has_a_fixture():
    recorded = {json.loads(p.read_text(encoding="utf-8"))["config"] for p in FIXTURES}
    assert REQUIRED <= recorded, sorted(REQUIRED - recorded)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_imported_recipe_renders_mmengine_curves(path):
    fixture = json.loads(path.read_text(encoding="utf-8"))
    assert fixture["versions"]["mmengine"] == "0.10.7"
    result = _imported_values(fixture)
    assert result.iterations == fixture["iterations"]
    assert result.iters_per_epoch == fixture["iters_per_epoch"]
    assert set(result.values) == set(fixture["values"])
    for target, runs in fixture["values"].items():
        _close(result.values[target], _unrle(runs), f"{path.stem}: {target}")
