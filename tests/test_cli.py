"""The `sspec` command line: exit codes, the two output formats, `--set`,
`compile` and `explain`. Runs the click app in-process with stdout and stderr
kept apart."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from helpers import EXAMPLES, invoke, recipe
from sspec.compiler.plan import validate

MAE = str(EXAMPLES / "mae_vit_tiny.ss")
MMDET = str(EXAMPLES / "mmdet_1x.ss")
SIMSIAM = str(EXAMPLES / "simsiam_digits.ss")
JSON_KEYS = {"code", "severity", "message", "file", "line", "column", "end_line",
             "end_column", "notes", "help"}

OVERLAP = recipe("""schedule lr {
    [0ep, 6ep)   LinearLR()  per iter
    [4ep, 12ep)  CosineAnnealingLR()  per iter
}
""")
GAP = recipe("""schedule lr {
    [0ep, 4ep)   LinearLR()  per iter
    [6ep, 12ep)  CosineAnnealingLR()  per iter
}
""")


def no_traceback(result):
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str | bytes) -> str:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path)
    return write


# ---------------------------------------------------------------- check

def test_check_clean_example():
    result = invoke("check", MAE)
    no_traceback(result)
    assert result.exit_code == 0
    assert result.stdout == "1 recipe checked: no problems\n"
    assert result.stderr == ""


def test_check_all_examples():
    result = invoke("check", MAE, MMDET, SIMSIAM)
    assert result.exit_code == 0
    assert result.stdout == "3 recipes checked: no problems\n"


def test_check_with_errors(write):
    path = write("overlap.ss", OVERLAP)
    result = invoke("check", path)
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr == ""
    assert f"{path}:8:5: error[E201]: " in result.stdout
    assert result.stdout.rstrip("\n").endswith("1 error")


def test_warning_alone_exits_0(write):
    path = write("gap.ss", GAP)
    result = invoke("check", path)
    assert result.exit_code == 0
    assert "warning[W202]" in result.stdout
    assert result.stdout.rstrip("\n").endswith("1 warning")


def test_strict_turns_a_warning_into_an_error(write):
    path = write("gap.ss", GAP)
    result = invoke("check", "--strict", path)
    assert result.exit_code == 1
    assert "error[W202]" in result.stdout
    result = invoke("check", "--strict", "--format", "json", path)
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)
    assert (d["code"], d["severity"]) == ("W202", "error")


def test_strict_on_a_clean_recipe():
    assert invoke("check", "--strict", MAE).exit_code == 0


def test_json_format(write):
    path = write("overlap.ss", OVERLAP)
    result = invoke("check", "--format", "json", path)
    assert result.exit_code == 1
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1
    [d] = data
    assert set(d) == JSON_KEYS
    assert d["code"] == "E201"
    assert d["severity"] == "error"
    assert d["file"] == path
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (8, 5, 8, 16)
    assert isinstance(d["notes"], list)
    assert "stack" in d["help"]
    assert "overlaps [0ep, 6ep)" in d["message"]


def test_json_format_clean_is_an_empty_array():
    result = invoke("check", "--format", "json", MAE)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_json_several_files_give_one_array(write):
    overlap = write("overlap.ss", OVERLAP)
    gap = write("gap.ss", GAP)
    result = invoke("check", "--format", "json", overlap, MAE, gap)
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # one JSON document
    assert [(d["file"], d["code"]) for d in data] == [(overlap, "E201"), (gap, "W202")]
    for d in data:
        assert set(d) == JSON_KEYS


def test_text_several_files(write):
    overlap = write("overlap.ss", OVERLAP)
    gap = write("gap.ss", GAP)
    result = invoke("check", overlap, gap)
    assert result.exit_code == 1
    assert result.stdout.index(overlap) < result.stdout.index(gap)
    assert result.stdout.rstrip("\n").endswith("1 error, 1 warning")


def test_missing_file_is_a_usage_error(tmp_path):
    result = invoke("check", str(tmp_path / "nope.ss"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "does not exist" in result.stderr


def test_directory_is_a_usage_error(tmp_path):
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 2
    assert "directory" in result.stderr


def test_no_file_is_a_usage_error():
    assert invoke("check").exit_code == 2


@pytest.mark.parametrize("args", [["check", "--bogus", MAE], ["check", "--format", "xml", MAE],
                                  ["compile", "--nope", MAE], ["frobnicate"]])
def test_bad_option_is_a_usage_error(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Error" in result.stderr


def test_non_utf8_file(write):
    path = write("latin1.ss", "recipe r\n# café\ntrain { epochs = 1 }\n".encode("latin-1"))
    result = invoke("check", path)
    no_traceback(result)
    assert result.exit_code == 1
    assert "error[E004]" in result.stdout
    result = invoke("check", "--format", "json", path)
    assert [d["code"] for d in json.loads(result.stdout)] == ["E004"]
    result = invoke("compile", path)
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "E004" in result.stderr


def test_empty_file(write):
    result = invoke("check", "--format", "json", write("empty.ss", ""))
    no_traceback(result)
    assert result.exit_code == 1
    assert sorted(d["code"] for d in json.loads(result.stdout)) == ["E111", "E113", "E113",
                                                                    "E113"]


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert "version" in result.stdout


# ---------------------------------------------------------------- --set

def compile_plan(*args):
    result = invoke("compile", *args)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_set_changes_the_plan():
    plan = compile_plan(SIMSIAM)
    assert plan["train"]["epochs"] == 100
    ipe = plan["train"]["iters_per_epoch"]
    assert plan["train"]["iters"] == 100 * ipe
    plan = compile_plan("--set", "train.epochs=30", SIMSIAM)
    assert plan["train"]["epochs"] == 30
    assert plan["train"]["iters"] == 30 * ipe
    [phase] = plan["schedules"]["lr"]
    assert (phase["begin"], phase["end"]) == (0, 30 * ipe)  # `end` follows


def test_set_on_check():
    # 300 epochs → 100: the second phase of the MAE recipe now ends after training.
    result = invoke("check", "--format", "json", "--set", "train.epochs=100", MAE)
    assert result.exit_code == 1
    assert [d["code"] for d in json.loads(result.stdout)] == ["E204"]


def test_set_a_let_refolds_its_dependents():
    plan = compile_plan("--set", "batch=128", MAE)
    assert plan["optimizer"]["args"]["lr"] == pytest.approx(1.5e-4 * 128 / 256)
    assert plan["data"]["args"]["batch"] == 128
    plan = compile_plan("--set", "let.batch=32", MAE)
    assert plan["optimizer"]["args"]["lr"] == pytest.approx(1.5e-4 * 32 / 256)


def test_set_component_arguments():
    plan = compile_plan("--set", "optimizer.weight_decay=0.1", "--set", "model.depth=2", MAE)
    assert plan["optimizer"]["args"]["weight_decay"] == 0.1
    assert plan["model"]["args"]["depth"] == 2


def test_set_value_with_spaces_and_expression():
    plan = compile_plan("--set", "train.epochs = 2 * 5", SIMSIAM)
    assert plan["train"]["epochs"] == 10


@pytest.mark.parametrize("key", ["foo", "hooks.interval", "let.nothing"])
def test_set_unknown_key(key):
    result = invoke("check", "--format", "json", "--set", f"{key}=1", MAE)
    no_traceback(result)
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)
    assert d["code"] == "E106"
    assert d["file"] == "<--set>"
    assert (d["line"], d["column"]) == (1, 1)
    assert (d["end_line"], d["end_column"]) == (1, 1 + len(key))


def test_set_unknown_key_suggests():
    result = invoke("check", "--set", "bacth=128", MAE)
    assert result.exit_code == 1
    assert "<--set>:1:1: error[E106]" in result.stdout
    assert "did you mean `batch`?" in result.stdout


def test_set_unknown_train_setting():
    result = invoke("check", "--format", "json", "--set", "train.epoch=100", MAE)
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)
    assert d["code"] in ("E106", "E302")
    assert d["file"] == "<--set>"


@pytest.mark.parametrize("text", ["train.epochs", "=3", "1x=3", "a..b=3", ""])
def test_set_malformed(text):
    result = invoke("check", "--format", "json", "--set", text, MAE)
    no_traceback(result)
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)
    assert d["code"] == "E107"
    assert d["file"] == "<--set>"


@pytest.mark.parametrize("text, column", [("batch=(", 8), ("batch=1 +", 10), ("batch=$", 7)])
def test_set_bad_value(text, column):
    result = invoke("check", "--format", "json", "--set", text, MAE)
    no_traceback(result)
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)
    assert d["code"] == "E107"
    assert (d["file"], d["line"], d["column"]) == ("<--set>", 1, column)


def test_set_diagnostics_point_at_their_own_line():
    result = invoke("check", "--format", "json", "--set", "batch=64", "--set", "train.epochs=0",
                    MAE)
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)
    assert (d["code"], d["file"], d["line"]) == ("E305", "<--set>", 2)


def test_set_text_output_shows_the_override():
    result = invoke("check", "--set", "train.epochs=1", "--set", "nothing=2", MAE)
    assert result.exit_code == 1
    assert "<--set>:2:1: error[E106]" in result.stdout
    assert "2 | nothing=2" in result.stdout


# ---------------------------------------------------------------- compile

def test_compile_prints_a_valid_plan():
    result = invoke("compile", MMDET)
    assert result.exit_code == 0
    assert result.stderr == ""
    plan = json.loads(result.stdout)
    assert validate(plan) == []
    assert plan["recipe"] == "mmdet_1x"
    assert plan["train"]["iters"] == 12 * 7330


@pytest.mark.parametrize("example", [MAE, MMDET, SIMSIAM])
def test_compile_output_file(example, tmp_path):
    out = tmp_path / "plan.json"
    result = invoke("compile", example, "-o", str(out))
    no_traceback(result)
    assert result.exit_code == 0
    assert result.stdout == ""
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert validate(plan) == []
    assert plan == json.loads(invoke("compile", example).stdout)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary left


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_compile_output_file_has_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "plan.json"
        assert invoke("compile", MAE, "-o", str(out)).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_compile_broken_recipe(write, tmp_path):
    path = write("overlap.ss", OVERLAP)
    out = tmp_path / "plan.json"
    result = invoke("compile", path, "-o", str(out))
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}:8:5: error[E201]" in result.stderr
    assert not out.exists()
    result = invoke("compile", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error[E201]" in result.stderr


def test_compile_with_warnings_prints_plan_and_warnings(write):
    path = write("gap.ss", GAP)
    result = invoke("compile", path)
    assert result.exit_code == 0
    assert "warning[W202]" in result.stderr
    assert validate(json.loads(result.stdout)) == []


def test_compile_set():
    plan = compile_plan("--set", "train.epochs=24", MMDET)
    assert plan["train"]["iters"] == 24 * 7330
    assert validate(plan) == []


def test_compile_set_error():
    result = invoke("compile", "--set", "nothing=1", MMDET)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "E106" in result.stderr


# ---------------------------------------------------------------- explain

def test_explain():
    result = invoke("explain", "E201")
    assert result.exit_code == 0
    assert result.stdout.startswith("E201: phases overlap")
    assert result.stderr == ""


def test_explain_lower_case():
    result = invoke("explain", "w202")
    assert result.exit_code == 0
    assert result.stdout.startswith("W202: gap between phases")


@pytest.mark.parametrize("code", ["E001", "E106", "N310", "W503"])
def test_explain_every_kind(code):
    result = invoke("explain", code)
    assert result.exit_code == 0
    assert result.stdout.startswith(code + ": ")


def test_explain_unknown_code():
    result = invoke("explain", "E999")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "E999" in result.stderr


# ---------------------------------------------------------------- known bugs

def test_set_unknown_key_with_several_files_names_the_recipe():
    # `batch` is a let in SIMSIAM but not in MMDET.
    result = invoke("check", "--format", "json", "--set", "batch=32", SIMSIAM, MMDET)
    assert result.exit_code == 1
    [d] = json.loads(result.stdout)
    assert d["code"] == "E106"
    assert "mmdet_1x" in d["message"] + " ".join(d["notes"]) + (d["help"] or "")


# ---------------------------------------------------------------- fixed bugs

def test_notes_only_output_has_a_summary(write):
    path = write("user.ss", recipe(optimizer="MyOptimizer(lr = 0.1)").replace(
        "recipe t\n", "recipe t\nuse my_lab.optim\n"))
    result = invoke("check", path)
    assert result.exit_code == 0
    assert "note[N310]" in result.stdout
    assert not result.stdout.endswith("\n\n")
