"""The diagnostic catalog (sspec.codes) and the documents generated from it.

- every code the sources emit is in the catalog, and every catalogued code is
  emitted somewhere;
- every example gives its code and nothing else, and every fix compiles clean;
  for the `sspec import` codes, every example config imports with its code,
  and every fix imports without errors;
- docs/diagnostics.md and docs/components.md are up to date;
- the ```sspec examples of docs/language.md compile clean, and its grammar
  excerpt is the grammar's own text;
- `sspec explain`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import sspec
from sspec.cli import main
from sspec.codes import CODES, config_files, explain, language, markdown
from sspec.compiler import compile_source
from sspec.importer import import_config

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(sspec.__file__).resolve().parent
DOCS = ROOT / "docs"
CODE_LITERAL = re.compile(r"""["']([EWN][0-9]{3})["']""")

RECIPE_CODES = [c for c in CODES.values() if c.is_recipe]
CONFIG_CODES = [c for c in CODES.values() if c.is_config]
COMMAND_LINE_CODES = {"E106", "E107"}  # shown with a `# sspec check ... --set` line
# What every `sspec import` gives besides its code: the stand-in model and data,
# and the unknown length of an epoch when no --iters-per-epoch is given.
IMPORT_ALWAYS = {"W602", "W606"}
IMPORT_ALSO = {"E613": {"W603"}}  # a value that cannot be computed comes from skipped code


def emitted_codes() -> dict[str, list[str]]:
    """Code → the source files (outside the catalog) that contain it as a literal."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "codes.py":
            continue
        for code in CODE_LITERAL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(str(path.relative_to(SRC)))
    return found


def overrides_of(recipe: str) -> list[str]:
    """The `--set` values of a recipe's first-line `# sspec check ...` comment."""
    first = recipe.splitlines()[0]
    if not first.startswith("# sspec "):
        return []
    args = shlex.split(first[2:])
    return [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--set"]


def compile_example(recipe: str):
    return compile_source(recipe, "example.ss", overrides_of(recipe))


def describe(result) -> str:
    return "\n".join(f"{d.code} {d.span.line if d.span else '-'}: {d.message}"
                     for d in result.diagnostics)


# ------------------------------------------------------------------ the catalog

def test_every_emitted_code_is_catalogued():
    unknown = {code: files for code, files in emitted_codes().items() if code not in CODES}
    assert not unknown, f"codes emitted but not in sspec.codes: {unknown}"


def test_the_catalog_is_the_only_table():
    """No stage keeps a table of its own: the importer's E6xx/W6xx codes are
    entries of sspec.codes, and its old table is gone."""
    assert not (SRC / "importer" / "codes.py").exists()
    import sspec.importer

    assert not hasattr(sspec.importer, "IMPORT_CODES")


def test_every_catalogued_code_is_emitted():
    emitted = emitted_codes()
    unused = [code for code in CODES if code not in emitted]
    assert not unused, f"codes in sspec.codes that nothing emits: {unused}"


@pytest.mark.parametrize("code", CODES.values(), ids=lambda c: c.code)
def test_entry_is_complete(code):
    assert code.title and code.explanation and code.example and code.fix
    sentences = re.findall(r"[.!?](?:\s|$)", code.explanation)
    assert 2 <= len(sentences) <= 6, code.explanation
    assert code.severity in ("error", "warning", "note")


# ------------------------------------------------------------------ examples

@pytest.mark.parametrize("code", RECIPE_CODES, ids=lambda c: c.code)
def test_example_gives_exactly_its_code(code):
    result = compile_example(code.example)
    codes = {d.code for d in result.diagnostics}
    assert codes == {code.code}, describe(result)


@pytest.mark.parametrize("code", RECIPE_CODES, ids=lambda c: c.code)
def test_fix_compiles_clean(code):
    result = compile_example(code.fix)
    assert result.diagnostics == [], describe(result)
    assert result.plan is not None


@pytest.mark.parametrize("name", sorted(COMMAND_LINE_CODES))
def test_command_line_codes_come_from_set(name):
    code = CODES[name]
    assert overrides_of(code.example) and overrides_of(code.fix)
    # Without the overrides, the example recipe itself is clean.
    assert compile_source(code.example, "example.ss").diagnostics == []


def import_example(text: str, directory: Path):
    """Write a config example's files under `directory` and import it as its
    `# sspec import ...` line says."""
    args, files = config_files(text)
    for name, body in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    options = dict(zip(args[1::2], args[2::2]))
    assert set(options) <= {"--iters-per-epoch"}, args
    iters_per_epoch = options.get("--iters-per-epoch")
    return import_config(str(directory / args[0]),
                         int(iters_per_epoch) if iters_per_epoch else None)


def test_the_importer_codes_are_configs():
    for code in CODES.values():
        family = code.code[1] == "6"
        assert family == (code.is_config or code.code == "E601"), code.code
    assert language(CODES["E601"].example) == language(CODES["E601"].fix) == "console"


@pytest.mark.parametrize("code", CONFIG_CODES, ids=lambda c: c.code)
def test_config_example_gives_its_code(code, tmp_path):
    result = import_example(code.example, tmp_path)
    codes = {d.code for d in result.diagnostics}
    assert code.code in codes, describe(result)
    others = (IMPORT_ALWAYS | IMPORT_ALSO.get(code.code, set())) - {code.code}
    assert codes - others == {code.code}, \
        describe(result)


@pytest.mark.parametrize("code", CONFIG_CODES, ids=lambda c: c.code)
def test_config_fix_imports_without_errors(code, tmp_path):
    if language(code.fix) == "sspec":      # W602: the written recipe, stand-ins replaced
        result = compile_example(code.fix)
        assert result.diagnostics == [], describe(result)
        return
    assert language(code.fix) == "python"
    result = import_example(code.fix, tmp_path)
    assert result.text is not None and not any(d.is_error for d in result.diagnostics), \
        describe(result)
    assert code.code not in {d.code for d in result.diagnostics}, describe(result)
    assert compile_source(result.text, "imported.ss").ok


def test_config_files():
    args, files = config_files("# sspec import a.py --iters-per-epoch 5\nx = 1\n\n"
                               "# file: base/b.py\ny = 2\n")
    assert args == ["a.py", "--iters-per-epoch", "5"]
    assert files == {"a.py": "# sspec import a.py --iters-per-epoch 5\nx = 1\n",
                     "base/b.py": "# file: base/b.py\ny = 2\n"}


def test_e601_config_not_utf8(tmp_path):
    code = CODES["E601"]
    # A config whose comment was saved in Latin-1, as the example shows.
    good = import_example(CODES["E602"].fix, tmp_path)
    assert good.ok
    text = (tmp_path / "config.py").read_text(encoding="utf-8")
    path = tmp_path / "config.py"
    path.write_bytes("# Schedule by Jérôme\n".encode("latin-1") + text.encode("utf-8"))
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 1
    assert code.example.splitlines()[0] == "$ sspec import config.py"
    expected = code.example.splitlines()[-1].replace("config.py", str(path))
    assert expected in result.output, result.output

    # The fix: the same text, as UTF-8, imports.
    path.write_text(path.read_bytes().decode("latin-1"), encoding="utf-8")
    result = import_config(str(path))
    assert result.ok and "E601" not in {d.code for d in result.diagnostics}


def test_overrides_of():
    assert overrides_of("# sspec check x.ss --set a=1 --set 'b=(1, 2)'\n") == ["a=1", "b=(1, 2)"]
    assert overrides_of("train { epochs = 1 }\n") == []


def test_e004_not_utf8(tmp_path):
    code = CODES["E004"]
    assert not code.is_recipe
    # The bytes the example's `printf` writes: é in Latin-1.
    path = tmp_path / "recipe.ss"
    path.write_bytes(b"train { epochs = 10 }  # r\xe9sum\xe9\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert "E004" in result.output
    expected = code.example.splitlines()[-1].replace("recipe.ss", str(path))
    assert expected in result.output

    # The fix: the same text, as UTF-8, is read (and checked) normally.
    path.write_text(path.read_bytes().decode("latin-1"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "E004" not in result.output


def _python_c_output(session_line: str) -> str:
    """What the `python -c "..." > FILE` line of a shell session writes."""
    args = shlex.split(session_line[2:])
    assert args[:2] == ["python", "-c"] and args[3] == ">", args
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(args[2], {})
    return out.getvalue()


def test_e115_too_deep(tmp_path, monkeypatch):
    code = CODES["E115"]
    assert not code.is_recipe
    lines = code.example.splitlines()
    recipe = _python_c_output(lines[0])
    result = compile_source(recipe, "deep.ss")
    assert [d.code for d in result.diagnostics] == ["E115"], describe(result)
    monkeypatch.chdir(tmp_path)  # the example's command names the file `deep.ss`
    Path("deep.ss").write_text(recipe, encoding="utf-8")
    output = CliRunner().invoke(main, ["check", "deep.ss"]).output
    assert lines[-1] in output, output

    fixed = compile_source(_python_c_output(code.fix.splitlines()[0]), "deep.ss")
    assert "E115" not in {d.code for d in fixed.diagnostics}, describe(fixed)


# ------------------------------------------------------------------ documents

def test_diagnostics_md_is_up_to_date():
    text = (DOCS / "diagnostics.md").read_text(encoding="utf-8")
    assert text == markdown(), \
        "docs/diagnostics.md is stale: run `python -m sspec.codes > docs/diagnostics.md`"


def test_diagnostics_md_has_every_code():
    text = markdown()
    for code in CODES:
        assert f"### {code}: " in text


def _gen_components():
    spec = importlib.util.spec_from_file_location("gen_components", DOCS / "gen_components.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_components_md_is_up_to_date():
    text = (DOCS / "components.md").read_text(encoding="utf-8")
    assert text == _gen_components().markdown(), \
        "docs/components.md is stale: run `python docs/gen_components.py > docs/components.md`"


def test_components_md_lists_every_component():
    from sspec.registry import all_components

    text = _gen_components().markdown()
    for name in all_components():
        assert re.search(rf"^### (.*, )?{re.escape(name)}(,|$)", text, re.M), name


LANGUAGE = (DOCS / "language.md").read_text(encoding="utf-8")
SSPEC_BLOCKS = re.findall(r"^```sspec\n(.*?)^```", LANGUAGE, re.S | re.M)


def test_language_md_has_examples():
    assert len(SSPEC_BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(SSPEC_BLOCKS)))
def test_language_md_example_compiles_clean(index):
    result = compile_source(SSPEC_BLOCKS[index], f"language-{index}.ss")
    assert result.diagnostics == [], describe(result)


def test_language_md_grammar_is_the_grammar():
    grammar = (SRC / "grammar" / "sspec.lark").read_text(encoding="utf-8")
    lines = {" ".join(line.split()) for line in grammar.splitlines()}
    section = LANGUAGE[LANGUAGE.index("## Grammar"):]
    excerpt = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    for line in excerpt.splitlines():
        assert " ".join(line.split()) in lines, f"not in sspec.lark: {line}"


def test_language_md_links_exist():
    for target in re.findall(r"\]\(([^)#]+)\)", LANGUAGE):
        assert (DOCS / target).resolve().exists(), target


# ------------------------------------------------------------------ sspec explain

def test_explain_known_code():
    result = CliRunner().invoke(main, ["explain", "E201"])
    assert result.exit_code == 0, result.output
    assert CODES["E201"].title in result.output
    assert result.output == explain("E201") + "\n"


def test_explain_is_case_insensitive():
    result = CliRunner().invoke(main, ["explain", "w202"])
    assert result.exit_code == 0
    assert CODES["W202"].title in result.output


def test_explain_unknown_code():
    result = CliRunner().invoke(main, ["explain", "E999"])
    assert result.exit_code == 2


@pytest.mark.parametrize("code", CODES)
def test_explain_every_code(code):
    text = explain(code)
    assert text.startswith(f"{code}: {CODES[code].title}")
    assert "Example:" in text and "Fix:" in text
