"""`sspec params`: the param-group table, built on the meta device."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from helpers import EXAMPLES, invoke, recipe  # noqa: E402


def test_table_of_the_mae_example():
    result = invoke("params", str(EXAMPLES / "mae_vit_tiny.ss"))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0].split("|")[0].strip() == "group"
    # `params norm, bias, "*pos_embed", ... { decay_mult = 0 }` is line 22
    row = next(line for line in out.splitlines() if line.startswith("line 22"))
    cells = [c.strip() for c in row.split("|")]
    assert "cls_token" in cells[1] and cells[2] == "3.75e-05" and cells[3] == "0"
    assert "86 parameter tensors" in out and "2 groups" in out


def test_a_rule_matching_nothing_is_located(tmp_path):
    path = tmp_path / "r.ss"
    path.write_text(recipe("", optimizer='SGD(lr = 0.1) {\n    params "nothing.*" '
                                          '{ lr_mult = 2 }\n}'))
    result = invoke("params", str(path))
    assert result.exit_code == 1
    line = path.read_text().splitlines().index('    params "nothing.*" { lr_mult = 2 }') + 1
    assert f"r.ss:{line}:1: error: `params \"nothing.*\"` matches no parameter" in result.stderr
    assert "Traceback" not in result.stderr
