"""The matrix forms a sequence document states, each computed as it is written, with NumPy, from the
forward values, and held to the kernels' gradients (the tape's), for every sample at once:

    attention   A = softmax(S) by rows; dV = Aᵀ dO; dA = dO Vᵀ; dS = A ⊙ (dA − rowsum(dA ⊙ A));
                dQ = dS K/√d_k; dK = dSᵀ Q/√d_k                       (per head)
    RNN         the BPTT recursion dh^{⟨t⟩} = G^{⟨t⟩} + (dh^{⟨t+1⟩} ⊙ φ'(h^{⟨t+1⟩})) U, and
                dW = Σ_t δ^{⟨t⟩ᵀ} x^{⟨t⟩}, dU = Σ_{t≥1} δ^{⟨t⟩ᵀ} h^{⟨t−1⟩}
    LSTM        the cell state's recursion dc^{⟨t⟩} = dh^{⟨t⟩} ⊙ o^{⟨t⟩} ⊙ (1 − tanh² c^{⟨t⟩}) + dc^{⟨t+1⟩} ⊙ f^{⟨t+1⟩}
    GRU         the hidden state's recursion through z, and through r, z and n's recurrent weights

G^{⟨t⟩} is the gradient the step's state gets from the layer's output alone (the next layer's term).
Arrays are one row per sample; the intermediates' gradients are the summed errors', a parameter's
the cost's (the mean's 1/m in it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.graph import TensorGraph
from .tensor_values import TensorValues

RTOL = 1e-10


@dataclass(frozen=True)
class MatrixForms:
    layer: int
    kind: str                          # attention, rnn, lstm or gru
    formulas: tuple[str, ...]          # LaTeX
    proven: tuple[tuple[str, bool], ...]


def _same(found, expected) -> bool:
    found, expected = np.asarray(found), np.asarray(expected)
    return found.shape == expected.shape and bool(np.allclose(found, expected, rtol=RTOL,
                                                              atol=RTOL * max(1.0, float(np.abs(expected).max()))))


def _heads(x: np.ndarray, heads: int) -> list[np.ndarray]:
    width = x.shape[-1] // heads
    return [x[..., h * width:(h + 1) * width] for h in range(heads)]


def attention_forms(graph: TensorGraph, values: TensorValues) -> list[MatrixForms]:
    found = []
    for attend in (a for a in graph.applications if a.op == "attend"):
        weights, v = attend.inputs
        softmax = graph.producer(weights)
        scores = graph.producer(softmax.inputs[0])
        q, k = scores.inputs
        heads = attend.attribute("heads")
        value, adjoint = values.value, values.adjoint

        def per_head(node, array):
            return [array] if heads == 1 else [array[:, h] for h in range(heads)]
        s_h, a_h = per_head(scores.output, value[scores.output]), per_head(weights, value[weights])
        d_a_h = per_head(weights, adjoint[weights])
        d_s_h = per_head(scores.output, adjoint[scores.output])
        q_h, k_h, v_h = (_heads(value[node], heads) for node in (q, k, v))
        d_o_h = _heads(adjoint[attend.output], heads)
        root = np.sqrt(q.shape[-1] // heads)
        causal = softmax.attribute("causal")
        checks = [("A = softmax(S) by rows" + (", later keys masked" if causal else ""),
                   all(_same(_softmax(s, causal), a) for s, a in zip(s_h, a_h)))]
        if v in adjoint:
            checks.append(("dV = A^T dO", all(_same(np.swapaxes(a, 1, 2) @ d_o, d_v) for a, d_o, d_v
                                              in zip(a_h, d_o_h, _heads(adjoint[v], heads)))))
        checks.append(("dA = dO V^T", all(_same(d_o @ np.swapaxes(vv, 1, 2), d_a)
                                          for d_o, vv, d_a in zip(d_o_h, v_h, d_a_h))))
        checks.append(("dS = A (dA - rowsum(dA A))", all(_same(a * (d_a - (d_a * a).sum(axis=2, keepdims=True)), d_s)
                                                        for a, d_a, d_s in zip(a_h, d_a_h, d_s_h))))
        for name, node, other, transpose in (("dQ = dS K / sqrt(d_k)", q, k_h, False),
                                             ("dK = dS^T Q / sqrt(d_k)", k, q_h, True)):
            if node in adjoint:
                formed = [(np.swapaxes(d_s, 1, 2) if transpose else d_s) @ o / root for d_s, o in zip(d_s_h, other)]
                checks.append((name, all(_same(f, d) for f, d in zip(formed, _heads(adjoint[node], heads)))))
        mask = r" + M" if causal else ""
        formulas = (rf"S = \frac{{Q K^{{\top}}}}{{\sqrt{{d_k}}}}{mask}, \quad A = \operatorname{{softmax}}(S)"
                    r"\text{ by rows}, \quad O = A V",
                    r"\frac{\partial L}{\partial V} = A^{\top} \frac{\partial L}{\partial O}, \quad "
                    r"\frac{\partial L}{\partial A} = \frac{\partial L}{\partial O} V^{\top}",
                    r"\frac{\partial L}{\partial S} = A \odot \left(\frac{\partial L}{\partial A} - "
                    r"\operatorname{rowsum}\left(\frac{\partial L}{\partial A} \odot A\right) \mathbf{1}^{\top}\right)",
                    r"\frac{\partial L}{\partial Q} = \frac{1}{\sqrt{d_k}} \frac{\partial L}{\partial S} K, \quad "
                    r"\frac{\partial L}{\partial K} = \frac{1}{\sqrt{d_k}} \frac{\partial L}{\partial S}^{\top} Q")
        if causal:
            formulas += (r"M_{t,s} = -\infty \text{ where } s > t \text{ (a later key), else } 0",)
        found.append(MatrixForms(attend.output.layer, "attention", formulas, tuple(checks)))
    return found


def _softmax(s: np.ndarray, causal: bool) -> np.ndarray:
    if causal:
        s = np.where(np.triu(np.ones(s.shape[-2:], dtype=bool), 1), -np.inf, s)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def recurrent_forms(graph: TensorGraph, values: TensorValues, per_sample: float) -> list[MatrixForms]:
    """Each RNN's and LSTM's backward recursion over its steps, from the layer's own output's gradients."""
    nodes = {node.name: node for node in graph.nodes}
    found = []
    layers = sorted({a.output.layer for a in graph.applications if a.op in ("gate", "lstm_out")})
    for l in layers:
        steps = [nodes[f"h{l}_{t}"] for t in range(1, len(nodes)) if f"h{l}_{t}" in nodes]
        if f"c{l}_1" in nodes:
            found.append(_lstm(l, steps, nodes, graph, values))
        elif f"z{l}_1" in nodes:                 # a gate n: the state reset before U_n (Cho et al.'s)
            found.append(_gru(l, steps, nodes, values, graph.producer(nodes[f"n{l}_1"]).op != "gate"))
        else:
            found.append(_rnn(l, steps, nodes, graph, values, per_sample))
    return found


def _own(l: int, steps: list, nodes: dict, values: TensorValues) -> list[np.ndarray]:
    """G^{⟨t⟩}: each state's gradient from the layer's output alone (every state's, or the last's)."""
    stacked = nodes.get(f"H{l}")
    if stacked is not None and stacked in values.adjoint:
        return [values.adjoint[stacked][:, t] for t in range(len(steps))]
    zero = np.zeros_like(values.value[steps[0]])
    last = values.adjoint[steps[-1]]
    return [zero] * (len(steps) - 1) + [last]


def _rnn(l, steps, nodes, graph, values, per_sample) -> MatrixForms:
    gate = graph.producer(steps[0])
    function = gate.attribute("function")
    w, u, b = (nodes[f"{role}{l}"] for role in ("W", "U", "b"))
    h = [values.value[s] for s in steps]
    x = [values.value[graph.producer(s).inputs[0]] for s in steps]

    def slope(a):
        return 1.0 - a * a if function == "tanh" else (a > 0).astype(float)
    own = _own(l, steps, nodes, values)
    d_h = [None] * len(steps)
    d_h[-1] = own[-1]
    for t in reversed(range(len(steps) - 1)):
        d_h[t] = own[t] + (d_h[t + 1] * slope(h[t + 1])) @ values.value[u]
    delta = [d * slope(a) for d, a in zip(d_h, h)]
    checks = [("the recursion dh^<t> = G^<t> + (dh^<t+1> o phi'(h^<t+1>)) U, at every step",
               all(_same(d, values.adjoint[s]) for d, s in zip(d_h, steps)))]
    checks.append(("dW = sum over t of delta^<t>T x^<t>",
                   _same(per_sample * sum(d.T @ xx for d, xx in zip(delta, x)), values.adjoint[w])))
    if u in values.adjoint:
        checks.append(("dU = sum over t >= 1 of delta^<t>T h^<t-1>",
                       _same(per_sample * sum(d.T @ a for d, a in zip(delta[1:], h[:-1])), values.adjoint[u])))
    checks.append(("db = sum over t of delta^<t> 1", _same(per_sample * sum(d.sum(axis=0) for d in delta),
                                                           values.adjoint[b])))
    slope_text = r"\left(1 - h^{\langle t\rangle} \odot h^{\langle t\rangle}\right)" if function == "tanh" else \
        r"\left[h^{\langle t\rangle} > 0\right]"
    formulas = (r"\delta^{\langle t\rangle} = \frac{\partial L}{\partial h^{\langle t\rangle}} \odot " + slope_text,
                r"\frac{\partial L}{\partial h^{\langle t\rangle}} = G^{\langle t\rangle} + \delta^{\langle t+1\rangle} U",
                r"\frac{\partial L}{\partial W} = \sum_{t} \delta^{\langle t\rangle\top} x^{\langle t\rangle}, \quad "
                r"\frac{\partial L}{\partial U} = \sum_{t \ge 1} \delta^{\langle t\rangle\top} h^{\langle t-1\rangle}, \quad "
                r"\frac{\partial L}{\partial b} = \sum_{t} \delta^{\langle t\rangle} \mathbf{1}")
    return MatrixForms(l, "rnn", formulas, tuple(checks))


def _lstm(l, steps, nodes, graph, values) -> MatrixForms:
    value, adjoint = values.value, values.adjoint
    count = len(steps)
    c = [nodes[f"c{l}_{t}"] for t in range(1, count + 1)]
    o = [value[nodes[f"o{l}_{t}"]] for t in range(1, count + 1)]
    f = [value[nodes[f"f{l}_{t}"]] if f"f{l}_{t}" in nodes else None for t in range(1, count + 1)]
    d_c = [None] * count
    for t in reversed(range(count)):
        squashed = np.tanh(value[c[t]])
        d_c[t] = adjoint[steps[t]] * o[t] * (1.0 - squashed ** 2)
        if t + 1 < count:
            d_c[t] = d_c[t] + d_c[t + 1] * f[t + 1]
    checks = (("the cell state's recursion dc^<t> = dh^<t> o o^<t> o (1 - tanh^2 c^<t>) + dc^<t+1> o f^<t+1>",
               all(_same(d, adjoint[node]) for d, node in zip(d_c, c))),)
    formulas = (r"\frac{\partial L}{\partial c^{\langle t\rangle}} = \frac{\partial L}{\partial h^{\langle t\rangle}} "
                r"\odot o^{\langle t\rangle} \odot \left(1 - \tanh^{2} c^{\langle t\rangle}\right) + "
                r"\frac{\partial L}{\partial c^{\langle t+1\rangle}} \odot f^{\langle t+1\rangle}",
                r"\frac{\partial L}{\partial f^{\langle t\rangle}} = \frac{\partial L}{\partial c^{\langle t\rangle}} "
                r"\odot c^{\langle t-1\rangle}, \quad \frac{\partial L}{\partial i^{\langle t\rangle}} = "
                r"\frac{\partial L}{\partial c^{\langle t\rangle}} \odot \tilde{c}^{\langle t\rangle}, \quad "
                r"\frac{\partial L}{\partial \tilde{c}^{\langle t\rangle}} = \frac{\partial L}{\partial c^{\langle t\rangle}} "
                r"\odot i^{\langle t\rangle}, \quad \frac{\partial L}{\partial o^{\langle t\rangle}} = "
                r"\frac{\partial L}{\partial h^{\langle t\rangle}} \odot \tanh c^{\langle t\rangle}")
    return MatrixForms(l, "lstm", formulas, checks)


def _gru(l, steps, nodes, values, reset_after: bool = True) -> MatrixForms:
    """dh^{⟨t⟩} = G^{⟨t⟩} + dh^{⟨t+1⟩} ⊙ z + δ_r U_r + δ_z U_z + (δ_n ⊙ r) U_n, the deltas and gates of step t + 1;
    Cho et al.'s GRU (reset_after false, n = tanh(W_n x + b_n + U_n (r ⊙ h') + b'_n)) has (δ_n U_n) ⊙ r for the
    last term: the reset state's gradient δ_n U_n reaches h' through r, and r through h'."""
    value, count = values.value, len(steps)

    def at(role, t):
        return value[nodes[f"{role}{l}_{t + 1}"]]
    u = {gate: value[nodes[f"U{gate}{l}"]] for gate in "rzn"}
    own = _own(l, steps, nodes, values)
    d_h = [None] * count
    d_h[-1] = own[-1]
    for t in reversed(range(count - 1)):
        z, n, r, h = at("z", t + 1), at("n", t + 1), at("r", t + 1), at("h", t)
        delta_n = d_h[t + 1] * (1.0 - z) * (1.0 - n * n)
        delta_z = d_h[t + 1] * (h - n) * z * (1.0 - z)
        if reset_after:
            delta_r = delta_n * at("q", t + 1) * r * (1.0 - r)
            through_n = (delta_n * r) @ u["n"]
        else:
            d_m = delta_n @ u["n"]
            delta_r, through_n = d_m * h * r * (1.0 - r), d_m * r
        d_h[t] = own[t] + d_h[t + 1] * z + delta_r @ u["r"] + delta_z @ u["z"] + through_n
    last = "(delta_n o r) U_n" if reset_after else "(delta_n U_n) o r"
    checks = ((f"the recursion dh^<t> = G^<t> + dh^<t+1> o z + delta_r U_r + delta_z U_z + {last}",
               all(_same(d, values.adjoint[s]) for d, s in zip(d_h, steps))),)
    deltas = (r"\delta_n^{\langle t\rangle} = \frac{\partial L}{\partial h^{\langle t\rangle}} \odot (1 - z^{\langle t\rangle}) "
              r"\odot \left(1 - n^{\langle t\rangle} \odot n^{\langle t\rangle}\right), \quad \delta_z^{\langle t\rangle} = "
              r"\frac{\partial L}{\partial h^{\langle t\rangle}} \odot \left(h^{\langle t-1\rangle} - n^{\langle t\rangle}\right) "
              r"\odot z^{\langle t\rangle} \odot (1 - z^{\langle t\rangle})")
    recursion = (r"\frac{\partial L}{\partial h^{\langle t\rangle}} = G^{\langle t\rangle} + \frac{\partial L}{\partial "
                 r"h^{\langle t+1\rangle}} \odot z^{\langle t+1\rangle} + \delta_r^{\langle t+1\rangle} U_r + "
                 r"\delta_z^{\langle t+1\rangle} U_z + ")
    if reset_after:
        formulas = (deltas, r"\delta_r^{\langle t\rangle} = \delta_n^{\langle t\rangle} \odot \left(U_n h^{\langle t-1\rangle} + "
                    r"b'_n\right) \odot r^{\langle t\rangle} \odot (1 - r^{\langle t\rangle})",
                    recursion + r"\left(\delta_n^{\langle t+1\rangle} \odot r^{\langle t+1\rangle}\right) U_n")
    else:
        formulas = (deltas, r"\delta_r^{\langle t\rangle} = \left(\delta_n^{\langle t\rangle} U_n\right) \odot h^{\langle t-1\rangle} "
                    r"\odot r^{\langle t\rangle} \odot (1 - r^{\langle t\rangle}), \quad m^{\langle t\rangle} = "
                    r"r^{\langle t\rangle} \odot h^{\langle t-1\rangle}",
                    recursion + r"\left(\delta_n^{\langle t+1\rangle} U_n\right) \odot r^{\langle t+1\rangle}")
    return MatrixForms(l, "gru", formulas, checks)
