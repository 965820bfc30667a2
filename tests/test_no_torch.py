"""`sspec check` and `compile` never need torch (nor numpy or matplotlib).

Each test runs a fresh interpreter, so that modules imported by other tests
or by pytest plugins cannot hide an import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from helpers import EXAMPLES, ROOT

HEAVY = ("torch", "numpy", "matplotlib")


def run(code: str, *, env_extra: dict | None = None):
    """`python -c CODE` in a fresh interpreter, from the repository root."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_python_m_sspec_check_with_torch_unimportable(tmp_path):
    # A `torch` package first on the path that refuses to be imported.
    blocker = tmp_path / "blocked"
    for name in HEAVY:
        (blocker / name).mkdir(parents=True)
        (blocker / name / "__init__.py").write_text(
            f"raise ImportError('{name} is blocked by test_no_torch')\n", encoding="utf-8")
    path = os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env = {"PYTHONPATH": path}

    # The blocker works.
    probe = run("import torch", env_extra=env)
    assert probe.returncode != 0 and "blocked by test_no_torch" in probe.stderr

    proc = subprocess.run([sys.executable, "-m", "sspec", "check",
                           str(EXAMPLES / "mae_vit_tiny.ss")], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "1 recipe checked: no problems\n"
    assert proc.stderr == ""

    proc = subprocess.run([sys.executable, "-m", "sspec", "compile",
                           str(EXAMPLES / "mmdet_1x.ss")], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["recipe"] == "mmdet_1x"


def test_no_heavy_module_is_imported():
    code = f"""
        import importlib.abc, sys

        HEAVY = {HEAVY!r}

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in HEAVY:
                    raise ImportError(name + " is blocked")
                return None

        sys.meta_path.insert(0, Block())

        from click.testing import CliRunner
        from sspec.cli import main

        runner = CliRunner()
        examples = {str(EXAMPLES)!r}
        for args in (["check", examples + "/mae_vit_tiny.ss", examples + "/mmdet_1x.ss",
                      examples + "/simsiam_digits.ss"],
                     ["check", "--format", "json", "--set", "train.epochs=400",
                      examples + "/mae_vit_tiny.ss"],
                     ["compile", examples + "/simsiam_digits.ss"],
                     ["check", "--set", "x=(", examples + "/mae_vit_tiny.ss"],
                     ["explain", "E201"]):
            result = runner.invoke(main, args)
            assert result.exception is None or isinstance(result.exception, SystemExit), \\
                repr(result.exception)
            assert result.exit_code in (0, 1), (args, result.output)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
        assert not loaded, loaded
        print("ok")
    """
    proc = run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_plain_import_of_the_compiler_is_light():
    proc = run(f"""
        import sys
        from sspec.compiler import compile_source
        from sspec.cli import main
        text = open({str(EXAMPLES / "mae_vit_tiny.ss")!r}, encoding="utf-8").read()
        assert compile_source(text, "mae.ss").ok
        print(sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r}))
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_render_never_imports_torch(tmp_path):
    """`render` needs numpy (and matplotlib for images) but never torch."""
    code = f"""
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "torch":
                    raise ImportError(name + " is blocked")
                return None

        sys.meta_path.insert(0, Block())

        from click.testing import CliRunner
        from sspec.cli import main

        runner = CliRunner()
        example = {str(EXAMPLES / "mae_vit_tiny.ss")!r}
        out = {str(tmp_path / "chart.png")!r}
        for args in (["render", example, "--format", "csv"], ["render", example, "-o", out],
                     ["render", example]):
            result = runner.invoke(main, args)
            assert result.exit_code == 0, (args, result.output, result.exception)
        assert "torch" not in sys.modules
        print("ok")
    """
    proc = run(code, env_extra={"MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    assert (tmp_path / "chart.png").stat().st_size > 10_000
