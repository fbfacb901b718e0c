"""The numeric rows of issue 15 (point 1, and point 7's oracles): embedding, the RNN, LSTM and GRU
layers unrolled over T steps (a cell application per step, on the one tape), linear at every position, softmax by rows, single- and multi-head
attention with and without the causal mask, and the sequence cross-entropy. Each forward and VJP
kernel against PyTorch in float64 (its nn.RNN, nn.LSTM, nn.GRU, scaled_dot_product_attention and
cross_entropy, never derive) on random shapes, T, heads and masks (hypothesis), and against central
finite differences; then the one tape running an embedding-LSTM-linear network, equal to autograd.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.graph import Application, Kind, Node, TensorGraph
from derive.core.lower_sequence import unrolled
from derive.spec.sequence import GATE_NAMES
from derive.core.ops import TENSOR_OPS, Op, Rule
from derive.numeric.tape import Tape

RTOL, ATOL = 1e-12, 1e-12           # relative, and absolute for entries that are 0 up to rounding
SIZES = st.integers(1, 4)


def _close(found, expected):
    np.testing.assert_allclose(found, expected.detach().numpy() if torch.is_tensor(expected) else expected,
                               rtol=RTOL, atol=ATOL)


def _ours(op, arrays, upstream, **attributes):
    row = TENSOR_OPS[op].numeric
    out = row.forward(**attributes)(tuple(arrays))
    return out, row.vjp(**attributes)(tuple(arrays), out, upstream)


def _torch(function, arrays, upstream, differentiable=None):
    """PyTorch's output and the VJP of `upstream` for each input marked differentiable (None elsewhere)."""
    marked = differentiable or [True] * len(arrays)
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=want) if want else torch.tensor(a)
              for a, want in zip(arrays, marked)]
    out = function(*leaves)
    wanted = [leaf for leaf, want in zip(leaves, marked) if want]
    grads = iter(torch.autograd.grad(out, wanted, torch.tensor(upstream, dtype=torch.float64)))
    return out, [next(grads) if want else None for want in marked]


def _check(op, arrays, upstream, function, differentiable=None, **attributes):
    expected, grads = _torch(function, arrays, upstream, differentiable)
    found, terms = _ours(op, arrays, upstream, **attributes)
    _close(found, expected)
    for term, grad in zip(terms, grads):
        if grad is not None:
            _close(term, grad)


# -- the recurrent layers, unrolled on the one tape, against torch.nn's own modules -------------------
def _module(kind: str, d: int, h: int, nonlinearity: str):
    if kind == "rnn":
        return torch.nn.RNN(d, h, batch_first=True, nonlinearity=nonlinearity, dtype=torch.float64)
    return {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](d, h, batch_first=True, dtype=torch.float64)


def _torch_layer(kind: str, nonlinearity: str = "tanh"):
    """torch's layer as a function of our parameters (X, W, U, b) or, for the GRU, (X, W, U, b_x, b_h)."""
    def run(x, w, u, *biases):
        module = _module(kind, x.shape[-1], u.shape[1], nonlinearity)
        b_x, b_h = biases if kind == "gru" else (biases[0], torch.zeros_like(biases[0]))
        parameters = {"weight_ih_l0": w, "weight_hh_l0": u, "bias_ih_l0": b_x, "bias_hh_l0": b_h}
        return torch.func.functional_call(module, parameters, (x,))[0]
    return run


def _probe(upstream: np.ndarray) -> Op:
    """A loss row for the tests alone: Σ G ⊙ H for a fixed G, so that every adjoint is the VJP of G."""
    return Op("probe", Rule(lambda **_: lambda inputs, output, up: (up * upstream, None),
                            lambda **_: lambda inputs: float(np.sum(upstream * inputs[0]))), Rule(), Rule(), Rule())


def _gates(kind: str, arrays: list, hidden: int) -> dict[str, np.ndarray]:
    """PyTorch's stacked W, U, b (and the GRU's b_h) as each gate's own, named as the spec names them."""
    stacked = dict(zip(("W", "U", "b", "bh"), arrays))
    return {f"{role}{gate}": array[k * hidden:(k + 1) * hidden] for role, array in stacked.items()
            for k, gate in enumerate(GATE_NAMES[kind])}


def _unrolled_tape(kind: str, arrays: list, upstream: np.ndarray, nonlinearity: str = "tanh"):
    """The layer lowered unrolled over the arrays' time steps (x, then PyTorch's stacked W, U, b and
    b_h), run forward and backward on the tape: (H, the adjoint of every array, stacked back)."""
    hidden = arrays[2].shape[1]
    x = Node("X", Kind.INPUT, arrays[0].shape[1:])
    values = _gates(kind, arrays[1:], hidden)
    p = {name: Node(name, Kind.PARAMETER, a.shape, 1) for name, a in values.items()}
    nodes, applications, stacked = unrolled(kind, x, p, hidden, 1, nonlinearity)
    target, loss = Node("Y", Kind.TARGET, ()), Node("J", Kind.LOSS, ())
    graph = TensorGraph((x, target, *p.values(), *nodes, loss),
                        tuple(applications) + (Application("probe", (stacked, target), loss),), loss)
    tape = Tape(graph, 1.0, {**TENSOR_OPS, "probe": _probe(upstream)}, every_adjoint=True)
    slots = tape.run({x: arrays[0], target: np.zeros(())} | {p[name]: array for name, array in values.items()})
    adjoint = tape.slots.adjoint                       # U unread (T = 1): its gradient is 0

    def grad(name):
        return slots[adjoint[p[name]]] if p[name] in adjoint else np.zeros(values[name].shape)
    stacked_grads = [np.concatenate([grad(f"{role}{gate}") for gate in GATE_NAMES[kind]])
                     for role in ("W", "U", "b", "bh")[:len(arrays) - 1]]
    return slots[tape.slots.value[stacked]], [slots[adjoint[x]]] + stacked_grads


@st.composite
def sequences(draw):
    return draw(SIZES), draw(SIZES), draw(SIZES), draw(SIZES), draw(st.integers(0, 2 ** 31))


@pytest.mark.parametrize("kind, nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")])
@settings(max_examples=60, deadline=None)
@given(sequences())
def test_a_recurrent_layer_unrolled_on_the_tape_is_pytorchs(kind, nonlinearity, case):
    """Backpropagation through time as the one walk's gathers: every step's cell reads the same W, U, b."""
    n, steps, d, h, seed = case
    rng = np.random.default_rng(seed)
    rows = {"rnn": 1, "lstm": 4, "gru": 3}[kind] * h
    arrays = [rng.normal(size=(n, steps, d)), rng.normal(size=(rows, d)), rng.normal(size=(rows, h)),
              rng.normal(size=rows)] + ([rng.normal(size=rows)] if kind == "gru" else [])
    upstream = rng.normal(size=(n, steps, h))
    expected, grads = _torch(_torch_layer(kind, nonlinearity), arrays, upstream)
    found, adjoints = _unrolled_tape(kind, arrays, upstream, nonlinearity)
    _close(found, expected)
    for adjoint, grad in zip(adjoints, grads):
        _close(adjoint, grad)


def test_a_shared_weights_gradient_sums_over_the_time_steps():
    """dL/dW of an RNN is the sum of each step's term: T = 1 gives the first step's alone, and U has
    no term from step 1 (h_0 = 0)."""
    rng = np.random.default_rng(3)
    x, w, u, b = rng.normal(size=(2, 3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 4)), rng.normal(size=4)
    upstream = np.zeros((2, 3, 4))
    upstream[:, 0] = rng.normal(size=(2, 4))           # only h_1 reaches the loss
    _, (_, d_w, d_u, _) = _unrolled_tape("rnn", [x, w, u, b], upstream)
    _, (_, first_w, _, _) = _unrolled_tape("rnn", [x[:, :1], w, u, b], upstream[:, :1])
    _close(d_w, first_w)
    _close(d_u, np.zeros_like(d_u))


# -- embedding, linear, softmax, attention, the sequence loss ----------------------------------------
@settings(max_examples=60, deadline=None)
@given(SIZES, SIZES, st.integers(1, 6), SIZES, st.integers(0, 2 ** 31))
def test_embedding_scatter_adds_repeated_ids(n, steps, vocabulary, d, seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocabulary, size=(n, steps)).astype(float)
    arrays = [ids, rng.normal(size=(vocabulary, d))]
    _check("embedding", arrays, rng.normal(size=(n, steps, d)),
           lambda i, e: F.embedding(i.long(), e), differentiable=[False, True])


@settings(max_examples=60, deadline=None)
@given(SIZES, SIZES, SIZES, SIZES, st.booleans(), st.integers(0, 2 ** 31))
def test_linear_at_every_position_is_pytorchs(n, steps, d, units, bias, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(n, steps, d)), rng.normal(size=(units, d))] + ([rng.normal(size=units)] if bias else [])
    _check("linear", arrays, rng.normal(size=(n, steps, units)), F.linear)


@settings(max_examples=60, deadline=None)
@given(SIZES, SIZES, st.integers(1, 6), st.integers(0, 2 ** 31))
def test_softmax_by_rows_has_the_whole_jacobian(n, steps, width, seed):
    rng = np.random.default_rng(seed)
    _check("softmax", [rng.normal(size=(n, steps, width))], rng.normal(size=(n, steps, width)),
           lambda s: torch.softmax(s, dim=-1))


@st.composite
def attentions(draw):
    heads = draw(st.integers(1, 3))
    return (draw(SIZES), draw(st.integers(1, 5)), heads, heads * draw(SIZES), heads * draw(SIZES), draw(st.booleans()),
            draw(st.integers(0, 2 ** 31)))


@settings(max_examples=120, deadline=None)
@given(attentions())
def test_attention_is_pytorchs_for_any_heads_and_mask(case):
    n, steps, heads, width, value_width, causal, seed = case
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(n, steps, width)), rng.normal(size=(n, steps, width)),
              rng.normal(size=(n, steps, value_width))]

    def reference(q, k, v):
        split = [t.reshape(n, steps, heads, -1).transpose(1, 2) for t in (q, k, v)]
        return F.scaled_dot_product_attention(*split, is_causal=causal).transpose(1, 2).reshape(n, steps, -1)
    upstream = rng.normal(size=(n, steps, value_width))
    expected, grads = _torch(reference, arrays, upstream)
    found, terms = _attention(arrays, upstream, heads, causal)
    _close(found, expected)
    for term, grad in zip(terms, grads):
        _close(term, grad)


def _attention(arrays, upstream, heads, causal):
    """scores, softmax by rows (masked if causal) and attend, forward and back, as the lowering chains
    them: the output and the VJPs into Q, K and V."""
    q, k, v = arrays
    scores = TENSOR_OPS["scores"].numeric.forward(heads=heads)((q, k))
    weights = TENSOR_OPS["softmax"].numeric.forward(causal=causal)((scores,))
    out, (d_weights, d_v) = _ours("attend", [weights, v], upstream, heads=heads)
    d_scores, = TENSOR_OPS["softmax"].numeric.vjp(causal=causal)((scores,), weights, d_weights)
    d_q, d_k = TENSOR_OPS["scores"].numeric.vjp(heads=heads)((q, k), scores, d_scores)
    return out, (d_q, d_k, d_v)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@settings(max_examples=60, deadline=None)
@given(SIZES, SIZES, st.integers(1, 6), st.integers(0, 2 ** 31))
def test_the_sequence_cross_entropy_is_pytorchs(reduction, n, steps, vocabulary, seed):
    rng = np.random.default_rng(seed)
    logits, ids = rng.normal(size=(n, steps, vocabulary)), rng.integers(0, vocabulary, size=(n, steps)).astype(float)

    def reference(z, y):
        per_step = F.cross_entropy(z.reshape(-1, vocabulary), y.long().reshape(-1), reduction="none")
        per_sample = per_step.reshape(n, steps).mean(dim=1)
        return per_sample.mean() if reduction == "mean" else per_sample.sum()
    upstream = np.array(rng.normal())
    _check("sequence_ce", [logits, ids], upstream, reference, differentiable=[True, False], reduction=reduction)


# -- central finite differences, for every op's every differentiable input ---------------------------
def _central(function, arrays, k, upstream, step=1e-6):
    found = np.zeros_like(arrays[k])
    for index in np.ndindex(arrays[k].shape):
        moved = [a.copy() for a in arrays]
        moved[k][index] += step
        up = np.sum(upstream * function(moved))
        moved[k][index] -= 2 * step
        found[index] = (up - np.sum(upstream * function(moved))) / (2 * step)
    return found


def _normal(r, *shapes):
    return [r.normal(size=shape) for shape in shapes]


FINITE = [
    *[("gate", lambda r: _normal(r, (2, 2), (2, 3), (3, 2), (3, 3), 3), {"function": f, "sources": 2})
      for f in ("tanh", "sigmoid", "linear")],
    ("gate", lambda r: _normal(r, (2, 3), (3, 3), 3, 3), {"function": "sigmoid", "sources": 1}),
    ("lstm_cell", lambda r: _normal(r, (2, 3), (2, 3), (2, 3), (2, 3)), {}),
    ("lstm_cell", lambda r: _normal(r, (2, 3), (2, 3)), {"first": True}),
    ("lstm_out", lambda r: _normal(r, (2, 3), (2, 3)), {}),
    ("gru_new", lambda r: _normal(r, (2, 3), (2, 3), (2, 3)), {}),
    ("gru_new", lambda r: _normal(r, (2, 3), (2, 3), 3), {"first": True}),
    ("gru_mix", lambda r: _normal(r, (2, 3), (2, 3), (2, 3)), {}),
    ("gru_mix", lambda r: _normal(r, (2, 3), (2, 3)), {"first": True}),
    ("gru_reset", lambda r: _normal(r, (2, 3), (2, 3)), {}),
    ("linear", lambda r: [r.normal(size=(2, 3, 2)), r.normal(size=(3, 2)), r.normal(size=3)], {}),
    ("softmax", lambda r: [r.normal(size=(2, 3, 4))], {}),
    ("scores", lambda r: _normal(r, (2, 4, 4), (2, 4, 4)), {"heads": 2}),
    ("scores", lambda r: _normal(r, (2, 3, 2), (2, 3, 2)), {"heads": 1}),
    ("softmax", lambda r: _normal(r, (2, 2, 4, 4)), {"causal": True}),
    ("attend", lambda r: _normal(r, (2, 2, 4, 4), (2, 4, 2)), {"heads": 2}),
    ("attend", lambda r: _normal(r, (2, 3, 3), (2, 3, 2)), {"heads": 1}),
]


@pytest.mark.parametrize("op, draw, attributes", FINITE,
                         ids=[f"{case[0]}-{'-'.join(map(str, case[2].values()))}" for case in FINITE])
def test_every_vjp_equals_central_differences(op, draw, attributes):
    rng = np.random.default_rng(11)
    arrays = draw(rng)
    forward = TENSOR_OPS[op].numeric.forward(**attributes)
    upstream = rng.normal(size=forward(tuple(arrays)).shape)
    _, terms = _ours(op, arrays, upstream, **attributes)
    for k, term in enumerate(terms):
        np.testing.assert_allclose(term, _central(lambda moved: forward(tuple(moved)), arrays, k, upstream),
                                   rtol=1e-6, atol=1e-8)


# -- the one tape, running a small sequence network -------------------------------------------------
def test_the_tape_runs_an_embedding_lstm_linear_network_as_autograd_does():
    """ids -> embedding -> LSTM (unrolled) -> linear -> sequence cross-entropy (mean): every parameter's
    gradient from the one reverse walk over these rows equals PyTorch's autograd of the same network."""
    rng = np.random.default_rng(5)
    n, steps, vocabulary, d, h = 3, 4, 5, 3, 2
    ids = rng.integers(0, vocabulary, size=(n, steps)).astype(float)
    targets = rng.integers(0, vocabulary, size=(n, steps)).astype(float)
    stacked = {"W": rng.normal(size=(4 * h, d)), "U": rng.normal(size=(4 * h, h)), "b": rng.normal(size=4 * h)}
    values = {"E": rng.normal(size=(vocabulary, d)), **_gates("lstm", list(stacked.values()), h),
              "V": rng.normal(size=(vocabulary, h)), "c": rng.normal(size=vocabulary)}
    x, y = Node("X", Kind.INPUT, (steps,)), Node("Y", Kind.TARGET, (steps,))
    p = {name: Node(name, Kind.PARAMETER, array.shape, 1) for name, array in values.items()}
    e, logits = Node("H0", Kind.INTERMEDIATE, (steps, d), 1), Node("Z1", Kind.INTERMEDIATE, (steps, vocabulary), 1)
    cells, recurrent, hidden = unrolled("lstm", e, p, h, 1)
    loss = Node("J", Kind.LOSS, ())
    applications = (Application("embedding", (x, p["E"]), e, ()), *recurrent,
                    Application("linear", (hidden, p["V"], p["c"]), logits, ()),
                    Application("sequence_ce", (logits, y), loss, (("reduction", "mean"),)))
    graph = TensorGraph((x, y, *p.values(), e, *cells, logits, loss), applications, loss)
    tape = Tape(graph, 1.0 / n, TENSOR_OPS)
    slots = tape.run({x: ids, y: targets} | {p[name]: array for name, array in values.items()})

    leaves = {name: torch.tensor(array, requires_grad=True) for name, array in values.items()}
    whole = {role: torch.cat([leaves[f"{role}{gate}"] for gate in "ifgo"]) for role in ("W", "U", "b")}
    lstm = torch.nn.LSTM(d, h, batch_first=True, dtype=torch.float64)
    embedded = F.embedding(torch.tensor(ids).long(), leaves["E"])
    out = torch.func.functional_call(lstm, {"weight_ih_l0": whole["W"], "weight_hh_l0": whole["U"],
                                            "bias_ih_l0": whole["b"], "bias_hh_l0": torch.zeros(4 * h,
                                            dtype=torch.float64)}, (embedded,))[0]
    z = F.linear(out, leaves["V"], leaves["c"])
    cost = F.cross_entropy(z.reshape(-1, vocabulary), torch.tensor(targets).long().reshape(-1))
    cost.backward()
    _close(slots[tape.slots.value[loss]], cost)
    for name, leaf in leaves.items():
        _close(slots[tape.slots.adjoint[p[name]]], leaf.grad)


# -- a transformer block, composed of these rows, on the one tape -------------------------------------
@pytest.mark.parametrize("prenorm", [True, False], ids=["pre-norm", "post-norm"])
@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.booleans(),
       st.integers(0, 2 ** 31))
def test_a_transformer_block_on_the_tape_is_pytorchs(prenorm, n, steps, heads, width, causal, seed):
    """layernorm → multi-head attention → residual → layernorm → MLP (exact GELU) → residual (pre-norm;
    post-norm puts each layernorm after its residual), built of the rows (layer_norm over the last axis,
    linear, attention, add, activation) and run by the one reverse walk: the output and every
    parameter's and the input's gradient equal PyTorch's autograd of the same block, in float64."""
    rng = np.random.default_rng(seed)
    d, hidden = heads * width, 2 * heads * width
    shapes = {"g1": (d,), "c1": (d,), "Wq": (d, d), "bq": (d,), "Wk": (d, d), "bk": (d,), "Wv": (d, d), "bv": (d,),
              "Wo": (d, d), "bo": (d,), "g2": (d,), "c2": (d,), "W1": (hidden, d), "b1": (hidden,), "W2": (d, hidden),
              "b2": (d,)}
    values = {name: rng.normal(size=shape) for name, shape in shapes.items()}
    x_value, upstream = rng.normal(size=(n, steps, d)), rng.normal(size=(n, steps, d))
    x = Node("X", Kind.INPUT, (steps, d))
    p = {name: Node(name, Kind.PARAMETER, shape, 1) for name, shape in shapes.items()}
    nodes, applications = [], []

    def apply(op, inputs, name, shape, **attributes):
        out = Node(name, Kind.INTERMEDIATE, shape, 1)
        nodes.append(out)
        applications.append(Application(op, tuple(inputs), out, tuple(attributes.items())))
        return out

    def norm(a, g, c, name):
        return apply("layer_norm", (a, p[g], p[c]), name, (steps, d), epsilon=1e-5, last_axis=True)

    entry = norm(x, "g1", "c1", "N1") if prenorm else x
    q, k, v = (apply("linear", (entry, p[f"W{s}"], p[f"b{s}"]), s.upper(), (steps, d)) for s in "qkv")
    scores = apply("scores", (q, k), "S", (heads, steps, steps) if heads > 1 else (steps, steps), heads=heads)
    weights = apply("softmax", (scores,), "P", scores.shape, causal=causal)
    attended = apply("attend", (weights, v), "A", (steps, d), heads=heads)
    first = apply("add", (x, apply("linear", (attended, p["Wo"], p["bo"]), "O", (steps, d))), "R1", (steps, d))
    first = first if prenorm else norm(first, "g1", "c1", "N1")
    mid = norm(first, "g2", "c2", "N2") if prenorm else first
    inner = apply("activation", (apply("linear", (mid, p["W1"], p["b1"]), "H", (steps, hidden)),), "G",
                  (steps, hidden), function="gelu")
    out = apply("add", (first, apply("linear", (inner, p["W2"], p["b2"]), "M", (steps, d))), "R2", (steps, d))
    out = out if prenorm else norm(out, "g2", "c2", "N2")
    target, loss = Node("Y", Kind.TARGET, ()), Node("J", Kind.LOSS, ())
    graph = TensorGraph((x, target, *p.values(), *nodes, loss),
                        tuple(applications) + (Application("probe", (out, target), loss),), loss)
    tape = Tape(graph, 1.0, {**TENSOR_OPS, "probe": _probe(upstream)}, every_adjoint=True)
    slots = tape.run({x: x_value, target: np.zeros(())} | {p[name]: array for name, array in values.items()})

    leaves = {name: torch.tensor(array, requires_grad=True) for name, array in values.items()}
    t_x = torch.tensor(x_value, requires_grad=True)

    def ln(a, g, c):
        return F.layer_norm(a, (d,), leaves[g], leaves[c], eps=1e-5)

    def attention(a):
        q, k, v = (F.linear(a, leaves[f"W{s}"], leaves[f"b{s}"]).reshape(n, steps, heads, width).transpose(1, 2)
                   for s in "qkv")
        o = F.scaled_dot_product_attention(q, k, v, is_causal=causal).transpose(1, 2).reshape(n, steps, d)
        return F.linear(o, leaves["Wo"], leaves["bo"])

    def mlp(a):
        return F.linear(F.gelu(F.linear(a, leaves["W1"], leaves["b1"])), leaves["W2"], leaves["b2"])

    if prenorm:
        first_t = t_x + attention(ln(t_x, "g1", "c1"))
        expected = first_t + mlp(ln(first_t, "g2", "c2"))
    else:
        first_t = ln(t_x + attention(t_x), "g1", "c1")
        expected = ln(first_t + mlp(first_t), "g2", "c2")
    (expected * torch.tensor(upstream)).sum().backward()
    _close(slots[tape.slots.value[out]], expected)
    exact = _ExactBlock(values, x_value, upstream, prenorm, heads, causal)
    _close_or_exact(slots[tape.slots.adjoint[x]], t_x.grad, lambda at: exact.derivative(None, at))
    for name, leaf in leaves.items():
        _close_or_exact(slots[tape.slots.adjoint[p[name]]], leaf.grad, lambda at: exact.derivative(name, at))


def _close_or_exact(found, expected, exact):
    """found equals PyTorch's to RTOL; where PyTorch's own rounding is the larger (a layer norm's
    backward amplifies it), each such entry equals the exact derivative (60 digits) to RTOL."""
    expected = expected.detach().numpy()
    apart = ~np.isclose(found, expected, rtol=RTOL, atol=ATOL)
    for at in zip(*np.nonzero(apart)):
        truth = exact(at)
        assert abs(found[at] - truth) <= RTOL * abs(truth) + ATOL, (at, found[at], expected[at], truth)


class _ExactBlock:
    """The transformer block's loss Σ out · upstream in mpmath at 60 digits, and its derivative by
    one entry of the input or a parameter by a central difference of step 1e-25 (error ~1e-50)."""

    def __init__(self, values, x_value, upstream, prenorm, heads, causal):
        self.values = {name: np.array(array, dtype=object) for name, array in values.items()}
        self.x, self.upstream = np.array(x_value, dtype=object), upstream
        self.prenorm, self.heads, self.causal = prenorm, heads, causal

    def derivative(self, name, at) -> float:
        with mpmath.workdps(60):
            step = mpmath.mpf("1e-25")
            target = self.x if name is None else self.values[name]
            kept = target[at]
            target[at] = mpmath.mpf(kept) + step
            plus = self._loss()
            target[at] = mpmath.mpf(kept) - step
            minus = self._loss()
            target[at] = kept
            return float((plus - minus) / (2 * step))

    def _loss(self):
        total = mpmath.mpf(0)
        for sample, ups in zip(self.x, self.upstream):
            for row, up in zip(self._block([list(map(mpmath.mpf, r)) for r in sample]), ups):
                total += mpmath.fsum(a * float(u) for a, u in zip(row, up))
        return total

    def _linear(self, name, rows):
        w, b = self.values[f"W{name}"], self.values[f"b{name}"]
        return [[mpmath.fsum(mpmath.mpf(w[i, j]) * r[j] for j in range(len(r))) + mpmath.mpf(b[i])
                 for i in range(len(w))] for r in rows]

    def _norm(self, rows, g, c):
        found = []
        for r in rows:
            mean = mpmath.fsum(r) / len(r)
            scale = 1 / mpmath.sqrt(mpmath.fsum((a - mean) ** 2 for a in r) / len(r) + mpmath.mpf("1e-5"))
            found.append([mpmath.mpf(self.values[g][i]) * (a - mean) * scale + mpmath.mpf(self.values[c][i])
                          for i, a in enumerate(r)])
        return found

    def _attention(self, rows):
        q, k, v = (self._linear(s, rows) for s in "qkv")
        width, steps = len(rows[0]) // self.heads, len(rows)
        out = [[mpmath.mpf(0)] * len(rows[0]) for _ in rows]
        for head in range(self.heads):
            cut = slice(head * width, (head + 1) * width)
            for t in range(steps):
                seen = range(t + 1) if self.causal else range(steps)
                scores = [mpmath.fsum(a * b for a, b in zip(q[t][cut], k[u][cut])) / mpmath.sqrt(width) for u in seen]
                weights = [mpmath.exp(s - max(scores)) for s in scores]
                weights = [w / mpmath.fsum(weights) for w in weights]
                for i in range(cut.start, cut.stop):
                    out[t][i] = mpmath.fsum(w * v[u][i] for w, u in zip(weights, seen))
        return self._linear("o", out)

    def _mlp(self, rows):
        inner = [[a * (1 + mpmath.erf(a / mpmath.sqrt(2))) / 2 for a in r] for r in self._linear("1", rows)]
        return self._linear("2", inner)

    def _block(self, rows):
        def add(a, b):
            return [[p + q for p, q in zip(r, s)] for r, s in zip(a, b)]
        if self.prenorm:
            first = add(rows, self._attention(self._norm(rows, "g1", "c1")))
            return add(first, self._mlp(self._norm(first, "g2", "c2")))
        first = self._norm(add(rows, self._attention(rows)), "g1", "c1")
        return self._norm(add(first, self._mlp(first)), "g2", "c2")
