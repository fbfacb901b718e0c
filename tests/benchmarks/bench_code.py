"""Benchmark: the generated modules against hand-written NumPy backprop (and PyTorch, when installed).

Dense: network 784-128-64-10 (sigmoid, sigmoid, softmax with cross-entropy), batch 256, float64.
CNN: 1x28x28 input, conv2d 8 filters 3x3 (stride 1, padding 0), ReLU, 2x2 max-pool (stride 2),
flatten, dense 10, softmax with cross-entropy, batch 64, float64: the module derive writes for
the typed-layer spec (output/tensor_code.py) against cnn_by_hand.py and PyTorch's CPU autograd on
one thread, the three called in turn, round after round, each keeping its best time.
LSTM: vectors 64 x T 32, an LSTM with 64 hidden units, a dense 10 softmax at every position, the
cross-entropy per position, batch 16, float64: derive's module against lstm_by_hand.py and nn.LSTM.
Transformer: a pre-norm block, T 64, d 64, 4 heads, MLP 256, a dense 10 softmax at every position,
batch 8, float64: derive's module against transformer_by_hand.py and PyTorch's functional block.
Also times the layer-form derivation itself at that size and at other widths.

    python tests/benchmarks/bench_code.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import derive
from derive.core.layers import derive_layers
from derive.output.tensor_code import tensor_module
from derive.spec.load import tensor_spec_from_dict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cnn_by_hand  # noqa: E402  (beside this file)
import lstm_by_hand  # noqa: E402
import transformer_by_hand  # noqa: E402

SIZES = [784, 128, 64, 10]
BATCH = 256
CNN_BATCH = 64
CNN_LAYERS = [{"type": "conv2d", "out_channels": 8, "kernel": 3, "stride": 1, "padding": 0, "activation": "relu"},
              {"type": "max_pool", "kernel": 2, "stride": 2},
              {"type": "flatten"},
              {"type": "dense", "units": 10, "activation": "softmax"}]


def spec_for(sizes: list[int], batch: int = 4) -> derive.NetworkSpec:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (batch, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    acts = ["sigmoid"] * (len(sizes) - 2) + ["softmax"]
    return derive.from_dict({"title": "benchmark", "init": {"seed": 1},
                             "input": {"values": x.tolist()}, "target": {"values": y.tolist()},
                             "layers": [{"units": n, "activation": a} for n, a in zip(sizes[1:], acts)],
                             "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}})


def hand_written(params, X, Y):
    """The textbook backprop, written by hand (column layout)."""
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    A0 = X.T
    A1 = 1 / (1 + np.exp(-(W1 @ A0 + b1[:, None])))
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2[:, None])))
    Z3 = W3 @ A2 + b3[:, None]
    E = np.exp(Z3 - Z3.max(axis=0, keepdims=True))
    A3 = E / E.sum(axis=0, keepdims=True)
    m = X.shape[0]
    D3 = A3 - Y.T
    D2 = (W3.T @ D3) * A2 * (1 - A2)
    D1 = (W2.T @ D2) * A1 * (1 - A1)
    return {"W1": D1 @ A0.T / m, "b1": D1.sum(axis=1) / m, "W2": D2 @ A1.T / m, "b2": D2.sum(axis=1) / m,
            "W3": D3 @ A2.T / m, "b3": D3.sum(axis=1) / m}


def load_module(source: str, name: str):
    """A generated module's source, written to a file and imported from it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"{name}.py")
        path.write_text(source)
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    return module


def cnn_spec(X: np.ndarray, Y: np.ndarray):
    return tensor_spec_from_dict({"title": "CNN benchmark", "init": {"seed": 1},
                                  "input": {"shape": list(X.shape[1:]), "values": X.tolist()},
                                  "target": {"values": Y.tolist()}, "layers": CNN_LAYERS,
                                  "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}})


def side_by_side(calls: dict, repeats: int) -> dict:
    """Each call's best time, the calls made in turn round after round, so all see the same machine."""
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(repeats):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def compare(title: str, generated, hand, params: dict, X, Y, torch_loss, repeats: int) -> None:
    """The generated module's gradients against `hand` (the same names and shapes) and, when PyTorch is
    installed, `torch_loss(tp, tx, ty)`'s autograd on one thread: their differences, then each one's
    best time, the three called in turn round after round."""
    ours, theirs = generated.gradients(params, X, Y), hand(params, X, Y)
    error = max(float(np.max(np.abs(ours[k] - theirs[k]))) for k in theirs)
    calls = {"hand-written NumPy": lambda: hand(params, X, Y),
             "derive code (generated)": lambda: generated.gradients(params, X, Y)}
    torch_error = None
    try:
        import torch
        torch.set_num_threads(1)
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        tx, ty = torch.tensor(X), torch.tensor(Y)

        def torch_step():
            loss = torch_loss(tp, tx, ty)
            for v in tp.values():
                v.grad = None
            loss.backward()
        torch_step()
        torch_error = max(float(np.max(np.abs(ours[k] - tp[k].grad.numpy()))) for k in ours)
        calls["PyTorch CPU autograd (1 thread)"] = torch_step
    except ImportError:
        pass
    best = side_by_side(calls, repeats)
    hand_time = best["hand-written NumPy"]
    print(f"{title}; best of {repeats} rounds, called in turn")
    print(f"max |generated - hand| = {error:.1e}" + (f", max |generated - PyTorch| = {torch_error:.1e}"
                                                     if torch_error is not None else ""))
    print(f"{'implementation':34} {'ms / gradient':>14} {'vs hand-written':>16}")
    for name, seconds in best.items():
        print(f"{name:34} {seconds * 1e3:14.2f} {seconds / hand_time:15.2f}x")
    if torch_error is None:
        print(f"{'PyTorch CPU autograd':34} {'not installed':>14}")


def _parameters(spec) -> dict:
    """The spec's weights (given or drawn), named as lower_tensor names them: W1, b1, Wi2, gammaA1 ..."""
    return {f"{role}{l}": value for l, layer in enumerate(spec.layers, start=1) for role, value in layer.parameters}


def cnn_table(repeats: int) -> None:
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (CNN_BATCH, 1, 28, 28))
    Y = np.eye(10)[rng.integers(0, 10, CNN_BATCH)]
    spec = cnn_spec(X, Y)

    def torch_loss(tp, tx, ty):
        import torch
        import torch.nn.functional as F
        a = F.max_pool2d(torch.relu(F.conv2d(tx, tp["W1"], tp["b1"])), 2, 2).flatten(1)
        return -(ty * torch.log_softmax(a @ tp["W4"].T + tp["b4"], dim=1)).sum(dim=1).mean()
    compare(f"CNN 1x28x28 -> conv 8@3x3, ReLU -> max-pool 2x2/2 -> dense 10, softmax + cross-entropy; batch "
            f"{CNN_BATCH}, float64", load_module(tensor_module(spec), "generated_cnn"), cnn_by_hand.gradients,
            _parameters(spec), X, Y, torch_loss, repeats)


LSTM_BATCH, LSTM_STEPS, LSTM_FEATURES, LSTM_HIDDEN, LSTM_CLASSES = 16, 32, 64, 64, 10


def _sequence_spec(title: str, X, Y, layer: dict, classes: int):
    return tensor_spec_from_dict({"title": title, "init": {"seed": 1},
                                  "input": {"shape": list(X.shape[1:]), "values": X.tolist()},
                                  "target": {"tokens": Y.tolist()},
                                  "layers": [layer, {"type": "dense", "units": classes, "activation": "softmax"}],
                                  "loss": {"function": "cross_entropy"}, "training": {"learning_rate": 0.1}})


def lstm_table(repeats: int) -> None:
    """An LSTM (T = 32, hidden 64, batch 16) with a dense softmax at every position: the module derive
    writes against lstm_by_hand.py and PyTorch's nn.LSTM on one thread, called in turn."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(LSTM_BATCH, LSTM_STEPS, LSTM_FEATURES))
    Y = rng.integers(0, LSTM_CLASSES, size=(LSTM_BATCH, LSTM_STEPS))
    spec = _sequence_spec("LSTM benchmark", X, Y, {"type": "lstm", "hidden": LSTM_HIDDEN}, LSTM_CLASSES)

    def hand(params, X, Y):
        return _renumbered(lstm_by_hand.gradients(_renumbered(params), X, Y), back=True)

    made = {}            # the module, made once: only its weights are the parameters

    def torch_loss(tp, tx, ty):
        import torch
        if "lstm" not in made:
            made["lstm"] = torch.nn.LSTM(LSTM_FEATURES, LSTM_HIDDEN, batch_first=True, dtype=torch.float64)
        lstm = made["lstm"]
        weights = {"weight_ih_l0": torch.cat([tp[f"W{g}1"] for g in "ifgo"]),
                   "weight_hh_l0": torch.cat([tp[f"U{g}1"] for g in "ifgo"]),
                   "bias_ih_l0": torch.cat([tp[f"b{g}1"] for g in "ifgo"]),
                   "bias_hh_l0": torch.zeros(4 * LSTM_HIDDEN, dtype=torch.float64)}
        out = torch.func.functional_call(lstm, weights, (tx,))[0] @ tp["W2"].T + tp["b2"]
        return torch.nn.functional.cross_entropy(out.reshape(-1, LSTM_CLASSES), ty.reshape(-1))
    compare(f"LSTM vectors {LSTM_FEATURES} x T {LSTM_STEPS} -> LSTM {LSTM_HIDDEN} -> dense {LSTM_CLASSES} at every "
            f"position, softmax + cross-entropy; batch {LSTM_BATCH}, float64",
            load_module(tensor_module(spec), "generated_lstm"), hand, _parameters(spec), X, Y, torch_loss, repeats)


BLOCK_BATCH, BLOCK_STEPS, BLOCK_WIDTH, BLOCK_HEADS, BLOCK_CLASSES = 8, 64, 64, 4, 10


def transformer_table(repeats: int) -> None:
    """A pre-norm transformer block (T = 64, d = 64, 4 heads, MLP 256, batch 8) with a dense softmax at
    every position: derive's module against transformer_by_hand.py and PyTorch on one thread."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(BLOCK_BATCH, BLOCK_STEPS, BLOCK_WIDTH))
    Y = rng.integers(0, BLOCK_CLASSES, size=(BLOCK_BATCH, BLOCK_STEPS))
    spec = _sequence_spec("transformer benchmark", X, Y, {"type": "transformer_block", "heads": BLOCK_HEADS},
                          BLOCK_CLASSES)
    width = BLOCK_WIDTH // BLOCK_HEADS

    def torch_loss(tp, tx, ty):
        import torch.nn.functional as F
        u = F.layer_norm(tx, (BLOCK_WIDTH,), tp["gammaA1"], tp["betaA1"])
        q, k, v = (F.linear(u, tp[f"W{r}1"], tp[f"b{r}1"]).reshape(BLOCK_BATCH, BLOCK_STEPS, BLOCK_HEADS, width)
                   .transpose(1, 2) for r in "qkv")
        o = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(BLOCK_BATCH, BLOCK_STEPS, BLOCK_WIDTH)
        r1 = tx + F.linear(o, tp["Wo1"], tp["bo1"])
        hidden = F.gelu(F.linear(F.layer_norm(r1, (BLOCK_WIDTH,), tp["gammaF1"], tp["betaF1"]), tp["Wup1"],
                                 tp["bup1"]))
        out = F.linear(r1 + F.linear(hidden, tp["Wdown1"], tp["bdown1"]), tp["W2"], tp["b2"])
        return F.cross_entropy(out.reshape(-1, BLOCK_CLASSES), ty.reshape(-1))
    compare(f"transformer block (pre-norm) T {BLOCK_STEPS}, d {BLOCK_WIDTH}, {BLOCK_HEADS} heads, MLP "
            f"{4 * BLOCK_WIDTH} -> dense {BLOCK_CLASSES} at every position, softmax + cross-entropy; batch "
            f"{BLOCK_BATCH}, float64", load_module(tensor_module(spec), "generated_block"),
            lambda params, X, Y: transformer_by_hand.gradients(params, X, Y, BLOCK_HEADS), _parameters(spec), X, Y,
            torch_loss, repeats)


def _renumbered(params: dict, back: bool = False) -> dict:
    """The spec's layers 1 (LSTM) and 2 (dense) as lstm_by_hand.py numbers them, 2 and 3 (or back)."""
    moves = {"1": "2", "2": "3"} if not back else {"2": "1", "3": "2"}
    return {name[:-1] + moves[name[-1]]: value for name, value in params.items()}


def best_of(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    spec = spec_for(SIZES)
    generated = load_module(derive.code(spec), "generated")

    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (BATCH, SIZES[0]))
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], BATCH)]
    params = {}
    for l, (n_in, n) in enumerate(zip(SIZES, SIZES[1:]), start=1):
        params[f"W{l}"] = rng.uniform(-0.1, 0.1, (n, n_in))
        params[f"b{l}"] = rng.uniform(-0.1, 0.1, n)

    ours, theirs = generated.gradients(params, X, Y), hand_written(params, X, Y)
    error = max(float(np.max(np.abs(ours[k] - theirs[k]))) for k in theirs)

    rows = []
    # alternate single calls so that both see the same machine state; keep each one's best
    t_generated, t_hand = float("inf"), float("inf")
    for _ in range(args.repeats):
        t_generated = min(t_generated, best_of(lambda: generated.gradients(params, X, Y), 1))
        t_hand = min(t_hand, best_of(lambda: hand_written(params, X, Y), 1))
    hand = t_hand
    rows.append(("hand-written NumPy", hand))
    rows.append(("derive code (generated)", t_generated))
    try:
        import torch
        torch.set_num_threads(1)
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        tx, ty = torch.tensor(X), torch.tensor(Y)

        def torch_step():
            a = tx
            for l in (1, 2):
                a = torch.sigmoid(a @ tp[f"W{l}"].T + tp[f"b{l}"])
            logits = a @ tp["W3"].T + tp["b3"]
            loss = -(ty * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
            for v in tp.values():
                v.grad = None
            loss.backward()
        rows.append(("PyTorch CPU autograd (1 thread)", best_of(torch_step, args.repeats)))
    except ImportError:
        rows.append(("PyTorch CPU autograd", None))

    print(f"784-128-64-10, batch {BATCH}, float64; best of {args.repeats} runs; max |generated - hand| = {error:.1e}")
    print(f"{'implementation':34} {'ms / gradient':>14} {'vs hand-written':>16}")
    for name, seconds in rows:
        if seconds is None:
            print(f"{name:34} {'not installed':>14}")
        else:
            print(f"{name:34} {seconds * 1e3:14.2f} {seconds / hand:15.2f}x")

    print()
    cnn_table(args.repeats)
    print()
    lstm_table(max(args.repeats // 4, 10))
    print()
    transformer_table(max(args.repeats // 10, 5))

    print()
    print(f"{'layer-form derivation':34} {'parameters':>10} {'seconds':>9}")
    for sizes in ([784, 128, 64, 10], [78, 12, 6, 10], [7840, 1280, 640, 10]):
        s = spec_for(sizes, batch=2) if sizes[0] < 5000 else None
        if s is None:  # too large to list weights: derive_layers needs only the sizes
            s = spec_for([784, 128, 64, 10], batch=2)
            s = _resized(s, sizes)
        params_count = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
        start = time.perf_counter()
        derive_layers(s)
        print(f"{'-'.join(map(str, sizes)):34} {params_count:>10} {time.perf_counter() - start:9.4f}")


def _resized(spec, sizes):
    """The same spec with other layer widths (weights are not read by the layer-form derivation)."""
    from dataclasses import replace
    layers = tuple(replace(layer, units=n) for layer, n in zip(spec.layers, sizes[1:]))
    names = tuple(f"x{i + 1}" for i in range(sizes[0]))
    return replace(spec, layers=layers, input_names=names)


if __name__ == "__main__":
    sys.exit(main())
