"""Golden diagnostics: recipe in, exact `sspec check` text out.

Each `tests/golden/NAME.ss` is one case. Its first line is an independent,
hand-written assertion, `# expect: CODE@LINE:COLUMN ...` (empty for a clean
recipe): the multiset of (code, line, column) that `check --format json`
must report. `NAME.expected` holds the exact text output of `sspec check
NAME.ss` (run from the golden directory, so paths print as bare names).

To regenerate the `.expected` files after a deliberate change of wording:

    SSPEC_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

then review every changed file by eye (`git diff tests/golden`). The update
mode never touches the `# expect:` headers, and still checks them.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter

import pytest

from helpers import EXAMPLES, GOLDEN, invoke
from sspec.codes import CODES

UPDATE = os.environ.get("SSPEC_UPDATE_GOLDEN") == "1"
CASES = sorted(GOLDEN.glob("*.ss"))
_ITEM = re.compile(r"^([EWN]\d{3})@(\d+):(\d+)$")

# Codes that only `--set` can cause; tests/test_cli.py covers them.
ONLY_FROM_OVERRIDES = {"E106", "E107"}


def expectation(path) -> list[tuple[str, int, int]]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect:"), f"{path.name}: first line must be `# expect: ...`"
    items = []
    for word in first[len("# expect:"):].split():
        m = _ITEM.match(word)
        assert m, f"{path.name}: bad expectation {word!r}"
        items.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return items


def test_there_are_cases():
    assert len(CASES) >= 60


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path, monkeypatch):
    monkeypatch.chdir(GOLDEN)
    expected = expectation(path)
    exit_code = 1 if any(code.startswith("E") for code, _, _ in expected) else 0

    # The independent assertion: codes and positions, from the JSON output.
    result = invoke("check", "--format", "json", path.name)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert result.exit_code == exit_code, result.stdout + result.stderr
    found = [(d["code"], d["line"], d["column"]) for d in json.loads(result.stdout)]
    assert Counter(found) == Counter(expected), f"\nexpected {expected}\nfound    {found}"
    assert found == sorted(found, key=lambda t: (t[1], t[2], t[0])), "not sorted by position"

    # The exact text.
    result = invoke("check", path.name)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert result.exit_code == exit_code
    assert result.stderr == ""
    assert "\033[" not in result.stdout, "colour when not writing to a terminal"
    golden = path.with_suffix(".expected")
    if UPDATE:
        golden.write_text(result.stdout, encoding="utf-8")
        return
    assert golden.exists(), f"no {golden.name}; run with SSPEC_UPDATE_GOLDEN=1 and review it"
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_every_expected_file_has_a_case():
    stems = {p.stem for p in CASES}
    orphans = [p.name for p in GOLDEN.glob("*.expected") if p.stem not in stems]
    assert not orphans


def test_every_code_has_a_golden_case():
    """Every diagnostic a recipe file can cause is pinned by a golden case."""
    seen = {code for path in CASES for code, _, _ in expectation(path)}
    from_configs = {code for code in CODES if code[1] == "6"}  # tests/test_import.py
    missing = set(CODES) - seen - ONLY_FROM_OVERRIDES - from_configs
    assert not missing, sorted(missing)


def test_headers_name_known_codes():
    for path in CASES:
        for code, _, _ in expectation(path):
            assert code in CODES, (path.name, code)


def test_clean_cases_say_so(monkeypatch):
    monkeypatch.chdir(GOLDEN)
    # the golden clean cases, and the examples, which are clean by contract
    clean = [p.name for p in CASES if not expectation(p)]
    clean += [str(p) for p in sorted(EXAMPLES.glob("*.ss"))]
    assert len(clean) >= 5
    result = invoke("check", *clean)
    assert result.exit_code == 0
    assert result.stdout == f"{len(clean)} recipes checked: no problems\n"


# ---------------------------------------------------------------- known bugs
# Diagnostics that are wrong today. Each is a strict xfail: when the owner
# fixes one, the test passes, pytest reports XPASS(strict) as a failure, and
# the mark should be removed (then consider a golden case for it).

def _check_text(text: str, tmp_path, *args):
    path = tmp_path / "case.ss"
    path.write_text(text, encoding="utf-8")
    return invoke("check", *args, str(path))


def _json(text: str, tmp_path):
    result = _check_text(text, tmp_path, "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return json.loads(result.stdout)


PRELUDE = ("recipe r\ntrain { epochs = 12  iters_per_epoch = 8 }\nmodel = mlp()\n"
           "data = synthetic_images(n = 512, batch = 64)\noptimizer SGD(lr = 0.1)\n")


def test_e201_snippet_shows_the_other_phase(monkeypatch):
    monkeypatch.chdir(GOLDEN)
    result = invoke("check", "e201_language_md.ss")
    assert "13 |     [0ep, 40ep)    LinearLR(start_factor = 1e-4)  per iter\n" \
           "14 |     [30ep, 300ep)  CosineAnnealingLR(eta_min = 0)  per iter\n" in result.stdout


def test_space_inside_a_duration_gets_the_hint(tmp_path):
    [d] = _json(PRELUDE + "schedule lr {\n    [0 ep, 12ep)  LinearLR()\n}\n", tmp_path)
    assert d["code"] == "E001"
    assert d["help"] and "glued" in d["help"]


def test_stray_number_gets_no_duration_hint(tmp_path):
    [d] = _json("recipe r\n42\n", tmp_path)
    assert d["code"] == "E001"
    assert "duration" not in (d["help"] or "")


def test_phase_without_a_scheduler(tmp_path):
    [d] = _json(PRELUDE + "schedule lr {\n    [0ep, 12ep) per iter\n}\n", tmp_path)
    assert d["code"] == "E001"
    assert (d["line"], d["column"]) == (7, 17)


def test_each_missing_argument_is_reported_once(tmp_path):
    found = _json(PRELUDE + "hook SimSiamHook()\nhook ODCHook()\n", tmp_path)
    # and ODCHook needs a model with a memory bank (E409)
    assert sorted(d["code"] for d in found) == ["E303"] * 6 + ["E409"]


def test_forbidden_value(tmp_path):
    [d] = _json(PRELUDE + "hook CheckpointHook(keep = 0)\n", tmp_path)
    assert d["code"] == "E305"
    assert "with  in" not in d["message"]
    assert "keep = 0" in d["message"] + (d["help"] or "")


def test_argument_forbidden_by_another_argument(tmp_path):
    [d] = _json(PRELUDE + 'hook EMAHook(ema_type = "StochasticWeightAverage", momentum = 0.1)\n',
                tmp_path)
    assert d["code"] == "E309"
    assert "with  in" not in d["message"]
    assert "ema_type" in d["message"] + (d["help"] or "")


def test_missing_key_in_a_mapping_argument(tmp_path):
    found = _json(PRELUDE + "hook DeepClusterHook(clustering = {k: 10}, unif_sampling = true, "
                  "reweight = false, reweight_pow = 0.5)\n", tmp_path)
    [d] = [d for d in found if d["code"] != "E409"]  # the model is no clustering model
    assert "required [" not in d["message"]
    assert "`type`" in d["message"]
