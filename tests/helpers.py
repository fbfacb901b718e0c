"""Small shared helpers for the tests (not oracles)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import derive
from derive.numeric.evaluator import Parameters

ROOT = Path(__file__).resolve().parent.parent
MAZUR = tomllib.loads((ROOT / "derive" / "spec" / "presets" / "mazur.toml").read_text())


def run(spec_dict: dict) -> derive.Result:
    return derive.derive(derive.from_dict(copy.deepcopy(spec_dict)))


def trained(loss: str, rate: float) -> str:
    """A spec's loss and training sections, as TOML text to end a spec with."""
    return f'[loss]\nfunction = "{loss}"\n\n[training]\nlearning_rate = {rate}\n'


def many_to_one_spec(inputs, weights, recurrent, bias, read_out, read_out_bias, target, rate, title="") -> str:
    """A spec's TOML: a two-unit RNN over a scalar input whose last state alone goes to a linear read-out of one
    unit, under the half squared error."""
    steps = ", ".join(f"[{x}]" for x in inputs)
    return (f'title = "{title}"\n' if title else "") + f"""
[input]
shape = [{len(inputs)}, 1]
values = [[{steps}]]

[[layers]]
type = "rnn"
hidden = {len(bias)}
sequence = false
weights = {[[w] for w in weights]}
recurrent_weights = {recurrent}
bias = {bias}

[[layers]]
type = "dense"
units = 1
activation = "linear"
weights = [{read_out}]
bias = [{read_out_bias}]

[target]
values = [[{target}]]

""" + trained("half_sse", rate)


def checker_of(folder: Path, spec_text: str):
    """verify's checker for a spec written out as TOML text (into `folder`, a test's temporary folder)."""
    from derive.verify import Checker
    path = folder / "spec.toml"
    path.write_text(spec_text, encoding="utf-8")
    return Checker(derive.derive(derive.load(path)))


def names_of(result: derive.Result) -> dict:
    graph = result.derivation.graph
    return {"inputs": [u.name for u in graph.inputs],
            "layers": [[u.name for u in layer.units] for layer in graph.layers]}


def column(params: Parameters):
    return list(params.weights), [b for b in params.biases]


def one_line(document: str) -> str:
    """A document with every display that derive broke over aligned lines written on one line again,
    and every display that holds several equations (a compact document's) split into one display each,
    so that a test can look for an equation whatever its width."""
    import re
    def join(match: "re.Match") -> str:
        body = match.group(1)
        body = re.sub(r" \\\\ &\\quad \{\}", " ", body)
        body = re.sub(r" \\\\ &= ", " = ", body)
        # what still ends a row (outside a cases block or a matrix) starts the next equation of the display
        inner = re.compile(r"\\begin\{(cases|[bp]?matrix)\}.*?\\end\{\1\}")
        kept = [m.group() for m in inner.finditer(body)]
        body = inner.sub("\0", body)
        equations = [e.replace(" &= ", " = ", 1) for e in body.split(" \\\\ ")]
        text = "$$\n$$".join(equations)
        for block in kept:
            text = text.replace("\0", block, 1)
        return text
    return re.sub(r"\\begin\{aligned\}(.*?)\\end\{aligned\}", join, document)
