"""Benchmark: `derive verify` against writing the same document, side by side in one run.

For every preset and notation: the time to derive and render the Markdown document, the time
to verify every claim in it, and their ratio (after one unmeasured document of another preset,
so that the first row does not also time what a process builds once for all its documents: the
lexer's compiled patterns, lazy imports, the parser tables). The first row also stands first
as it is in a process of its own, cold: what a user's first document costs (with lark's parser
tables from the user's cache, as in every run after the first; without them, 0.06 s more).
Then claims per second on the seed posts and on the real-post corpus (tests/posts/real), each
checked with a fresh Checker; then a 1 MB document (the Mazur post over and over, so the claim
cache is in play) and a 1 MB document of distinct claims (every preset's documents, their
figures perturbed so that each claim is new). Each document row gives claims per second of wall
time and of this process's CPU time: on a shared machine the second is the steadier.

A shared machine's speed also swings from second to second (by up to 2x on the one this was
written on), so each row and each post is timed REPEATS times and the fastest is shown, as timeit
advises: the slower runs measure the other tenants. Before each repeat, the caches that keep what
was read or computed (derive's and SymPy's) are emptied, so that no repeat gains from
the one before it (a document row then renders its document again, as in the first run, before it
verifies it). What stays is made once per process for any network (the rules' lambdified kernels,
the parser's tables). The fastest render, wall and CPU times are each the fastest of their own
runs. The two 1 MB documents are run once each.

    python tests/benchmarks/bench_verify.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from sympy.core.cache import clear_cache

import derive
from derive.verify import Checker, rename, verify_text, walk
from derive.verify.limits import MAX_CLAIMS, MAX_MATH
from derive.verify.reader import _read_cached
from derive.verify.regions import scan
from derive.errors import DeriveError
from derive.spec.tensor import TensorSpec


REPEATS = 3


def forget() -> None:
    """Empty what a run keeps for the next: the formulas read, the free symbols and the renamings
    verify keeps, and SymPy's cache. (The rule rows' lambdified kernels stay: they are made once
    per process, for any network.)"""
    _read_cached.cache_clear()
    walk._BY_IDENTITY.clear()
    rename._alike.cache_clear()
    clear_cache()


def timed_once(function):
    """The value, wall seconds and this process's CPU seconds (which other processes on a busy
    machine do not inflate)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = function()
    return value, time.perf_counter() - start, time.process_time() - cpu


def timed(function, repeats: int | None = None):
    """The value and the fastest of REPEATS runs' wall seconds, each after forget()."""
    found = []
    for _ in range(repeats or REPEATS):
        forget()
        value, wall, _ = timed_once(function)
        found.append(wall)
    return value, min(found)


def warm_up() -> None:
    """Render and verify one document before any is timed: the process's one-time costs."""
    result = derive.derive(derive.load("mazur"))
    verify_text(Checker(result), result.render("markdown", "neuron"), "warm.md", "neuron")


def notations(preset: str) -> tuple[str | None, ...]:
    """A dense network's three notations; a network of typed or sequence layers has one (None)."""
    spec = derive.load(preset)
    if isinstance(spec, TensorSpec):
        return (None,)
    return ("neuron", "index", "layer") if spec.has_values else ("layer",)


def row(preset: str, notation: str, label: str = "") -> str:
    """One document: rendered, then verified with a fresh Checker (its setup timed with it); the
    two again after forget(), REPEATS times, each timing the fastest of its runs."""
    renders, walls, cpus = [], [], []
    for _ in range(REPEATS):
        forget()
        text, render_s, _ = timed_once(lambda: derive.derive(derive.load(preset)).render("markdown", notation))
        report, wall, cpu = timed_once(
            lambda: verify_text(Checker(derive.derive(derive.load(preset))), text, "post.md", notation))
        renders.append(render_s)
        walls.append(wall)
        cpus.append(cpu)
    claims, render_s, verify_s, verify_cpu = len(report.claims), min(renders), min(walls), min(cpus)
    return (f"{preset + ' ' + (notation or 'index') + label:28} {claims:>7} {render_s:>9.2f} {verify_s:>9.2f} "
            f"{verify_s / render_s:>14.1f} {claims / verify_s:>9.0f} {claims / verify_cpu:>13.0f}")


def cold_row() -> str:
    """The first row, in a fresh process that has verified nothing yet."""
    return subprocess.run([sys.executable, __file__, "--cold"], capture_output=True, text=True,
                          check=True).stdout.rstrip("\n")


def main() -> None:
    print(f"{'document':28} {'claims':>7} {'render s':>9} {'verify s':>9} {'verify/render':>14} {'claims/s':>9} "
          f"{'claims/cpu s':>13}")
    print(cold_row())
    warm_up()
    for preset in derive.preset_names():
        for notation in notations(preset):
            try:
                print(row(preset, notation))
            except DeriveError as error:       # a layer form without numbers: nothing to verify against
                print(f"{preset:28} not verified: {str(error)[:70]}")

    print(f"\n{'post':44} {'claims':>7} {'verify s':>9} {'claims/s':>9}")
    here = Path(__file__).parent.parent
    seeds = [(f"seed {p.name[:3]}", p, spec) for p, spec in zip(
        sorted((here / "seeds" / "posts").glob("*.txt")),
        [here / "seeds" / "000_niuguy.toml", "niuguy", here / "seeds" / "002_khanal.toml", "mazur",
         here / "seeds" / "004_two_layer_sigmoid.toml"])]
    real = [(folder.name, next(folder.glob("post.*")), folder / "spec.toml")
            for folder in sorted((here / "posts" / "real").iterdir()) if (folder / "spec.toml").exists()]
    total_claims = total_s = 0.0
    for name, path, spec in seeds + real:
        text = path.read_text(encoding="utf-8")
        report, seconds = timed(lambda: verify_text(Checker(derive.derive(derive.load(spec))), text, path.name))
        total_claims, total_s = total_claims + len(report.claims), total_s + seconds
        print(f"{name:44} {len(report.claims):>7} {seconds:>9.2f} {len(report.claims) / seconds:>9.0f}")
    print(f"{'all posts':44} {int(total_claims):>7} {total_s:>9.2f} {total_claims / total_s:>9.0f}")

    result = derive.derive(derive.load("mazur"))
    post = result.render("markdown", "neuron")
    big = "\n\n".join([post] * (1_000_000 // len(post) + 1))
    checker = Checker(result)
    report, seconds = timed(lambda: verify_text(checker, big, "big.md"), repeats=1)
    print(f"\n1 MB, repeated post: {len(big):,} characters, {len(report.claims):,} claims, {seconds:.1f} s")

    math_per_copy = sum(len(r.text) for r in scan(post, "post.md"))
    claims_per_copy = len(verify_text(Checker(result), post, "post.md").claims)
    copies = min(1_000_000 // len(post) + 1, MAX_MATH // math_per_copy,    # within verify's bounds
                 MAX_CLAIMS // claims_per_copy)
    varied = "\n\n".join(re.sub(r"(\d\.\d{4,})", lambda m, k=k: f"{m.group(1)}{k}", post)   # every figure new
                         for k in range(copies))
    report, seconds = timed(lambda: verify_text(Checker(result), varied, "varied.md"), repeats=1)
    print(f"{len(varied) / 1e6:.2f} MB (within verify's bounds: {MAX_MATH:,} characters of math, {MAX_CLAIMS:,} "
          f"claims), claims made distinct: {len(varied):,} characters, {len(report.claims):,} claims, "
          f"{len({c.text for c in report.claims}):,} distinct, {seconds:.1f} s")


if __name__ == "__main__":
    if sys.argv[1:] == ["--cold"]:
        REPEATS = 1             # what a user's first document costs: its one run
        first = derive.preset_names()[0]
        print(row(first, notations(first)[0], ", cold"))
    else:
        main()
