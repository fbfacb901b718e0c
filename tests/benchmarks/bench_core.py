"""Benchmark: derive + evaluate every gradient of n-n-n sigmoid networks, against naive SymPy.

derive: build the graph, walk the chain rule, evaluate all gradients with the rule rows' kernels.
naive:  SymPy's direct diff of the fully expanded loss for every parameter, then lambdify
        and evaluate, in a child process killed after --cap seconds.

    python tests/benchmarks/bench_core.py [--cap 60] [--sizes 2 4 8 16 32 64]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import tracemalloc

import numpy as np
import sympy as sp

import derive
from derive.core.unit_level import derive as derive_chain
from derive.core.units import build, expanded_loss
from derive.numeric.evaluator import Evaluator, initial_parameters


def spec_for(n: int) -> derive.NetworkSpec:
    rng = np.random.default_rng(n)
    layers = [{"units": n, "activation": "sigmoid", "weights": rng.uniform(-1, 1, (n, n)).tolist(),
               "bias": rng.uniform(-0.5, 0.5, n).tolist()} for _ in range(2)]
    return derive.from_dict({"input": {"values": rng.uniform(0, 1, n).tolist()},
                             "target": {"values": rng.uniform(0, 1, n).tolist()},
                             "layers": layers, "loss": {"function": "half_sse"},
                             "training": {"learning_rate": 0.1}})


def run_derive(spec):
    derivation = derive_chain(build(spec))
    evaluator = Evaluator(spec, derivation)
    params = initial_parameters(spec)
    fwd = evaluator.forward(params)
    return evaluator.gradients(params, fwd)


def measure(fn, *args, repeats: int = 3):
    """Best wall time of `repeats` plain runs, then peak traced memory of one more run."""
    seconds = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def naive(n: int, queue) -> None:
    spec = spec_for(n)
    graph = build(spec)
    inputs = {u.out: v for u, v in zip(graph.inputs, spec.inputs[0])}
    targets = {u.target: v for u, v in zip(graph.outputs, spec.targets[0])}
    loss = expanded_loss(graph).xreplace(inputs | targets)
    params = graph.parameters
    start = time.perf_counter()
    grads = [sp.diff(loss, p) for p in params]
    diff_seconds = time.perf_counter() - start
    fn = sp.lambdify(params, grads, modules="numpy")
    lambdify_seconds = time.perf_counter() - start - diff_seconds
    values = initial_parameters(spec)
    flat = []
    for layer, w, b in zip(graph.layers, values.weights, values.biases):
        flat += list(w.ravel()) + list(b)
    result = np.array(fn(*flat), dtype=float)
    queue.put((diff_seconds, lambdify_seconds, result))


def run_naive(n: int, cap: float):
    queue = mp.Queue()
    child = mp.Process(target=naive, args=(n, queue))
    start = time.perf_counter()
    child.start()
    child.join(cap)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    if queue.empty():
        return None
    diff_s, lambdify_s, result = queue.get()
    return diff_s, lambdify_s, time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=float, default=60.0, help="seconds allowed to the naive run of one size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64])
    args = parser.parse_args()
    run_derive(spec_for(2))  # warm-up: imports and SymPy's caches
    base = None
    naive_capped = args.cap <= 0
    print(f"{'network':>9} {'params':>7} {'derive s':>9} {'s/param rel':>11} {'peak MiB':>9} "
          f"{'naive diff s':>12} {'naive lambdify s':>16} {'naive/derive':>12} {'max |diff|':>10}")
    for n in args.sizes:
        spec = spec_for(n)
        grads, seconds, peak = measure(run_derive, spec, repeats=3 if n <= 16 else 1)
        params = 2 * (n * n + n)
        per_param = seconds / params
        base = base or per_param
        naive_result = None if naive_capped else run_naive(n, args.cap)
        if naive_result:
            diff_s, lambdify_s, _, flat = naive_result
            ours = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(grads.weights, grads.biases)])
            naive_cols = (f"{diff_s:12.2f} {lambdify_s:16.2f} {(diff_s + lambdify_s) / seconds:11.0f}x "
                          f"{np.max(np.abs(ours - flat)):10.1e}")
        else:
            # a size that exceeds the cap is not retried at larger sizes: it only grows
            naive_capped = True
            naive_cols = f"{f'> {args.cap:.0f}':>12} {'':>16} {f'> {args.cap / seconds:.0f}x':>12} {'':>10}"
        print(f"{f'{n}-{n}-{n}':>9} {params:>7} {seconds:9.3f} {per_param / base:11.2f} {peak / 2**20:9.1f} "
              f"{naive_cols}", flush=True)


if __name__ == "__main__":
    main()
