"""Snapshots of what the templates see, so a change to any document's data shows up here.

For each preset, notation (and, for a batch, samples mode) the context from
derive.output.formats._context is compared with tests/snapshots/contexts/<case>.json. The same is done
for the code-generation context (<preset>-codegen) and the JSON document (<preset>-document).
Strings, ints and bools must match exactly. Floats must match to a relative 1e-9.
Printed text (LaTeX, formatted numbers, the curve's 9-digit points) stays the same under any
BLAS kernel (checked with OPENBLAS_CORETYPE=Prescott); float64 figures move in their last bits.

After an intended change, rewrite the snapshots and review the git diff:

    DERIVE_UPDATE_SNAPSHOTS=1 pytest tests/test_context_snapshots.py
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import derive
from derive.output import codegen, formats

SNAPSHOTS = Path(__file__).parent / "snapshots" / "contexts"
REGENERATE = "DERIVE_UPDATE_SNAPSHOTS=1 pytest tests/test_context_snapshots.py"
UPDATE = os.environ.get("DERIVE_UPDATE_SNAPSHOTS") == "1"


@functools.lru_cache(maxsize=None)
def _result(preset: str):
    return derive.derive(derive.load(preset))


def _cases() -> dict[str, tuple]:
    """Snapshot name -> (kind, preset, notation, samples)."""
    cases = {}
    for preset in derive.dense_preset_names():
        spec = derive.load(preset)
        notations = ("neuron", "index", "layer") if spec.has_values else ("layer",)
        modes = ("first", "all") if spec.samples > 1 else ("first",)
        for notation in notations:
            for samples in modes:
                suffix = f"-{samples}" if len(modes) > 1 else ""
                cases[f"{preset}-{notation}{suffix}"] = ("context", preset, notation, samples)
        if all(layer.activation != "g" for layer in spec.layers):   # g has no code (derive.code)
            cases[f"{preset}-codegen"] = ("codegen", preset, None, None)
        if spec.has_values:
            cases[f"{preset}-document"] = ("document", preset, None, None)
    return cases


CASES = _cases()


def _build(kind: str, preset: str, notation: str | None, samples: str | None):
    if kind == "context":
        return formats._context(_result(preset), notation, samples)[0]
    if kind == "codegen":
        return codegen.context(derive.load(preset))
    return json.loads(derive.render(_result(preset), "json"))


def plain(value, path: str = ""):
    """`value` as JSON types; anything else fails."""
    if isinstance(value, dict):
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise TypeError(f"{path or '<root>'}: non-string key {bad[0]!r}")
        return {k: plain(v, _key(path, k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    raise TypeError(f"{path or '<root>'}: {type(value).__qualname__} is not a JSON type: {value!r}")


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(text):
    return repr(text) if not isinstance(text, str) or len(text) < 160 else repr(text[:150]) + "..."


def first_difference(old, new, path: str = "") -> str | None:
    """The JSON path and values of the first difference, or None."""
    where = path or "<root>"
    if type(old) is not type(new):
        return f"{where}: {_show(old)} != {_show(new)} ({type(old).__name__} != {type(new).__name__})"
    if isinstance(old, dict):
        missing, extra = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
        if missing or extra:
            return f"{where}: keys missing {missing}, new keys {extra}"
        return next(filter(None, (first_difference(old[k], new[k], _key(path, k)) for k in sorted(old))), None)
    if isinstance(old, list):
        if len(old) != len(new):
            return f"{where}: length {len(old)} != {len(new)}"
        pairs = enumerate(zip(old, new))
        return next(filter(None, (first_difference(o, n, f"{path}[{i}]") for i, (o, n) in pairs)), None)
    if isinstance(old, float):
        same = math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(old) and math.isnan(new))
    elif isinstance(old, str) and old != new:   # long LaTeX: show where it starts to differ
        at = next(i for i, (a, b) in enumerate(zip(old + "\0", new + "\0")) if a != b)
        start = max(at - 40, 0)
        return f"{where}: {old[start:at + 60]!r} != {new[start:at + 60]!r} (from character {at})"
    else:
        same = old == new
    return None if same else f"{where}: {_show(old)} != {_show(new)}"


def dumps(data) -> str:
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def write_atomically(file: Path, text: str) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=file.parent, suffix=".tmp", delete=False) as out:
        out.write(text)
    os.chmod(out.name, 0o644)   # not the temporary file's 0600
    os.replace(out.name, file)


def check(name: str, data, directory: Path = SNAPSHOTS, update: bool = False) -> None:
    file = directory / f"{name}.json"
    new = json.loads(dumps(plain(data)))   # as it would read back: tuples are lists
    if update:
        write_atomically(file, dumps(new))
    if not file.exists():
        pytest.fail(f"missing snapshot {file}; create it with: {REGENERATE}")
    found = first_difference(json.loads(file.read_text(encoding="utf-8")), new)
    if found:
        pytest.fail(f"{file}: {found}\nIf the change is intended, run {REGENERATE} and review the diff")


@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot(name):
    check(name, _build(*CASES[name]), update=UPDATE)


def test_only_the_expected_snapshots_exist():
    present = {f.stem for f in SNAPSHOTS.glob("*.json")}
    if UPDATE:
        for stale in present - CASES.keys():
            (SNAPSHOTS / f"{stale}.json").unlink()
        present &= CASES.keys()
    assert present == set(CASES), (f"missing {sorted(CASES.keys() - present)}, "
                                   f"stale {sorted(present - CASES.keys())} in {SNAPSHOTS}; run {REGENERATE}")


def test_the_code_under_test_is_this_checkout():
    assert Path(derive.__file__).resolve().parent == Path(__file__).resolve().parents[1] / "derive"


# The comparison itself.

def test_a_changed_context_value_is_reported_with_its_path(monkeypatch):
    real = formats._context

    def changed(result, notation, samples="first"):
        data, template = real(result, notation, samples)
        data["backward"][1]["params"][0]["value"] += "1"
        return data, template

    monkeypatch.setattr(formats, "_context", changed)
    with pytest.raises(pytest.fail.Exception, match=r"mazur-neuron\.json: backward\[1\]\.params\[0\]\.value: "
                                                    r"'0\.000438567734' != '0\.0004385677341'"):
        check("mazur-neuron", _build(*CASES["mazur-neuron"]), update=False)


def test_floats_compare_within_tolerance_and_types_exactly():
    old = {"a": [{"x": 1.0, "n": 2, "s": "0.1"}]}
    assert first_difference(old, {"a": [{"x": 1.0 + 1e-12, "n": 2, "s": "0.1"}]}) is None
    assert first_difference(old, {"a": [{"x": 1.0 + 1e-6, "n": 2, "s": "0.1"}]}).startswith("a[0].x: 1.0 != 1.000001")
    assert first_difference(old, {"a": [{"x": 1.0, "n": 2.0, "s": "0.1"}]}) == "a[0].n: 2 != 2.0 (int != float)"
    assert first_difference(old, {"a": [{"x": 1.0, "n": 2}]}) == "a[0]: keys missing ['s'], new keys []"
    assert first_difference(old, {"a": []}) == "a: length 1 != 0"
    assert first_difference([True], [1]) == "[0]: True != 1 (bool != int)"


def test_non_json_values_are_converted_or_refused():
    assert plain({"t": (1, np.float64(0.5), np.int64(3), np.bool_(True))}) == {"t": [1, 0.5, 3, True]}
    with pytest.raises(TypeError, match=r"a\[1\]: Fraction is not a JSON type"):
        plain({"a": [1, Fraction(1, 3)]})
    with pytest.raises(TypeError, match="non-string key 1"):
        plain({1: "x"})


def test_a_missing_snapshot_fails_and_update_writes_it(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="DERIVE_UPDATE_SNAPSHOTS=1 pytest"):
        check("new", {"x": (1.5, "a")}, tmp_path)
    check("new", {"x": (1.5, "a")}, tmp_path, update=True)
    check("new", {"x": [1.5, "a"]}, tmp_path)
    assert [f.name for f in tmp_path.iterdir()] == ["new.json"]     # no temporary file left
