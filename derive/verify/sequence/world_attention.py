"""Attention's numbers for verify: Q, K, V, the scores S, the weights A, the output O (head 0's where
there are several heads), the projections' weights and every gradient, from the one tape."""

from __future__ import annotations

import numpy as np

from ...core.graph import Kind
from .quantities import Run, World


def attention_world(graph, values, layer, index: int) -> World:
    run = Run(graph, values)
    heads = dict(layer.attributes).get("heads", 1)
    found = World("attention")
    scores = next(a for a in graph.applications if a.op == "scores" and a.output.layer == index)
    q, k = scores.inputs
    width = q.shape[-1] // heads
    found.sizes["d_k"] = width
    weights = next(a for a in graph.applications if a.op == "softmax" and a.inputs[0] == scores.output)
    attend = next(a for a in graph.applications if a.op == "attend" and a.inputs[0] == weights.output)
    v = attend.inputs[1]
    part = slice(0, width)
    for key, node in (("Q", q), ("K", k), ("V", v), ("O", attend.output)):
        whole, adjoint = run.value(node.name), run.adjoint(node.name)
        found.add(key, whole[:, part] if heads > 1 else whole)
        found.add(f"d:{key}", adjoint[:, part] if heads > 1 else adjoint)
    for key, node in (("S", scores.output), ("A", weights.output)):
        found.add(key, run.value(node.name)[0] if heads > 1 else run.value(node.name))
        found.add(f"d:{key}", run.adjoint(node.name)[0] if heads > 1 else run.adjoint(node.name))
    found.add("QK", found.values["S"][0] * np.sqrt(width))          # QKᵀ before its scale, as posts name it
    found.add("d:QK", found.values["d:S"][0] / np.sqrt(width))
    steps = found.values["S"][0].shape[-1]
    found.sizes["steps"] = steps
    causal = dict(weights.attributes).get("causal", False)
    found.add("M", np.where(np.triu(np.ones((steps, steps), dtype=bool), 1), -np.inf, 0.0) if causal
              else np.zeros((steps, steps)))                         # the mask: -∞ where a query may not look
    source = run.making[q].inputs[0]
    found.add("X", run.value(source.name) if source.kind != Kind.PARAMETER else values.value[source])
    into_x = 0
    for key, node in (("q", q), ("k", k), ("v", v)):
        application = run.making[node]
        terms = run.terms(application)
        into_x = into_x + terms[0]
        found.add(f"W:{key}", values.value[application.inputs[1]])
        found.add(f"d:W:{key}", terms[1])
    found.add("d:X", into_x, run.adjoint(source.name) if source.kind != Kind.PARAMETER else into_x)
    projecting = [a for a in run.consumers(attend.output.name) if a.op == "linear"]
    if projecting:                       # Y = O W_o: the heads' output projected
        out = projecting[0]
        found.add("Y", run.value(out.output.name))
        found.add("d:Y", run.adjoint(out.output.name))
        found.add("W:o", values.value[out.inputs[1]])
        found.add("d:W:o", run.terms(out)[1])
    return found
