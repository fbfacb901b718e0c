"""Small shared helpers for the tests (not oracles)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import derive
from derive.numeric import Parameters

ROOT = Path(__file__).resolve().parent.parent
MAZUR = tomllib.loads((ROOT / "derive" / "presets" / "mazur.toml").read_text())


def run(spec_dict: dict) -> derive.Result:
    return derive.derive(derive.from_dict(copy.deepcopy(spec_dict)))


def names_of(result: derive.Result) -> dict:
    graph = result.derivation.graph
    return {"inputs": [u.name for u in graph.inputs],
            "layers": [[u.name for u in layer.units] for layer in graph.layers]}


def column(params: Parameters):
    return list(params.weights), [b for b in params.biases]
