"""`sspec render`: formats, files on disk, and values equal to the engine's."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from helpers import EXAMPLES, invoke, plan_of, recipe
from sspec.schedules import compute

MAE = str(EXAMPLES / "mae_vit_tiny.ss")
SIMSIAM = str(EXAMPLES / "simsiam_digits.ss")


def test_json_to_stdout_holds_the_exact_values():
    result = invoke("render", MAE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["iterations"] == 2400 and data["iters_per_epoch"] == 8
    assert set(data["values"]) == {"lr", "momentum", "weight_decay"}
    expected = compute(plan_of((EXAMPLES / "mae_vit_tiny.ss").read_text()))
    assert data["values"]["lr"] == expected.values["lr"].tolist()  # exact, not close
    assert data["values"]["lr"][0] == pytest.approx(1.5e-4 * 64 / 256 * 1e-4)
    # the `params norm, bias, ... { decay_mult = 0 }` group differs in weight decay only
    [group] = data["groups"].values()
    assert set(group) == {"weight_decay"} and set(group["weight_decay"]) == {0.0}


def test_csv_has_a_row_per_iteration_and_round_trips():
    result = invoke("render", SIMSIAM, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["iter", "epoch", "lr"]
    assert any(h.startswith("lr[") for h in header)       # the fixed-lr predictor group
    assert len(body) == 2300  # 100 epochs of 23 batches
    assert [int(r[0]) for r in body] == list(range(2300))
    assert int(body[22][1]) == 0 and int(body[23][1]) == 1  # 23 batches per epoch
    lr = np.array([float(r[2]) for r in body])
    expected = compute(plan_of((EXAMPLES / "simsiam_digits.ss").read_text())).values["lr"]
    assert np.array_equal(lr, expected)
    fixed = [float(r[header.index(next(h for h in header if h.startswith("lr[")))])
             for r in body]
    assert set(fixed) == {0.2 * 64 / 256}  # the example's base_lr


@pytest.mark.parametrize("ext", ["png", "svg", "pdf", "csv", "json"])
def test_output_format_follows_the_extension(tmp_path, ext):
    out = tmp_path / f"schedule.{ext}"
    result = invoke("render", MAE, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert len(data) > 1000
    magic = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml", "csv": b"iter,epoch,lr",
             "json": b'{"iterations"'}[ext]
    assert data.startswith(magic)


def test_terminal_chart_and_phase_summary():
    result = invoke("render", MAE)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "[0ep, 40ep)" in out and "LinearLR per iter" in out
    assert "[40ep, 300ep)" in out and "CosineAnnealingLR per iter" in out
    assert "3.750e-09 → 3.750e-05" in out                    # warm-up: start → end
    assert any(0x2800 <= ord(c) <= 0x28FF for c in out)       # a braille chart
    assert "constant: momentum = 0.9, weight_decay = 0.05" in out


def test_set_applies_before_rendering():
    result = invoke("render", MAE, "--format", "json", "--set", "train.epochs=400",
                    "--set", "base_lr=1e-3")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["iterations"] == 3200
    assert data["values"]["lr"][0] == pytest.approx(1e-3 * 1e-4)
    # after the last phase (300ep) the value stays where the cosine left it
    assert len(set(data["values"]["lr"][2400:])) == 1


@pytest.mark.parametrize("args", [["-o", "x.txt"], ["--format", "png"], ["--format", "gif"]])
def test_usage_errors_exit_2(args):
    result = invoke("render", MAE, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_recipe_with_errors_is_refused(tmp_path):
    bad = tmp_path / "bad.ss"
    bad.write_text(recipe("schedule lr { [0ep, 13ep) LinearLR() per iter }"))
    result = invoke("render", str(bad), "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error[E204]" in result.stderr
