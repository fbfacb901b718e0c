"""Golden files: the checked-in gallery is what derive writes now (regenerate: python tests/gallery.py).

Printed documents must match exactly: they print at the spec's precision, which no NumPy or BLAS
build changes. numbers.json holds full float64 figures, whose last bits do differ between builds,
so it is compared number by number to 1e-12 relative.
"""

import json
import math

import pytest

from gallery import REPORTS, presets, preset_documents

RELATIVE = 1e-12
# A figure that is 0 in exact arithmetic comes out as float64 noise (~1e-17) of either sign.
FLOAT64_NOISE = 1e-15


def _differences(golden, current, where="$"):
    """Where two JSON values differ: structure exactly, numbers to RELATIVE."""
    if isinstance(golden, dict) and isinstance(current, dict):
        if golden.keys() != current.keys():
            return [f"{where}: keys {sorted(golden)} != {sorted(current)}"]
        return [d for k in golden for d in _differences(golden[k], current[k], f"{where}.{k}")]
    if isinstance(golden, list) and isinstance(current, list):
        if len(golden) != len(current):
            return [f"{where}: length {len(golden)} != {len(current)}"]
        return [d for i, (g, c) in enumerate(zip(golden, current)) for d in _differences(g, c, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(golden, numbers) and isinstance(current, numbers) and not isinstance(golden, bool):
        if math.isclose(golden, current, rel_tol=RELATIVE, abs_tol=FLOAT64_NOISE):
            return []
    elif golden == current:
        return []
    return [f"{where}: {golden!r} != {current!r}"]


@pytest.mark.parametrize("preset", presets())
def test_gallery_files_are_current(preset):
    """Each preset's documents, rendered in the worker that runs this test (not at every worker's collection)."""
    for path, text in sorted(preset_documents(preset).items()):
        assert path.exists(), f"{path} is missing: run python tests/gallery.py"
        golden = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            differences = _differences(json.loads(golden), json.loads(text))
            assert not differences, f"{path} is stale: run python tests/gallery.py; " + "; ".join(differences[:5])
        else:
            assert golden == text, f"{path} is stale: run python tests/gallery.py"


def test_json_comparison_ignores_the_last_bits_but_not_a_real_change():
    assert not _differences({"a": [0.3785099883501319]}, {"a": [0.37850998835013194]})
    assert not _differences({"b": 2.4e-17}, {"b": -1.1e-17})
    assert _differences({"a": [0.3785099883501319]}, {"a": [0.3785099883511319]})
    assert _differences({"a": [1.0, 2.0]}, {"a": [1.0]})
    assert _differences({"a": 1.0}, {"c": 1.0})


def test_every_gallery_tex_has_its_pdf():
    sources = sorted(REPORTS.glob("*/*.tex"))
    assert len(sources) >= 2 * len(presets())           # an article and slides per preset
    for path in sources:
        assert path.with_suffix(".pdf").exists(), f"{path.with_suffix('.pdf')} is missing: run python tests/gallery.py"
