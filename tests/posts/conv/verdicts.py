"""The bookkeeping every truth.py of this corpus shares: each claim's verdict printed as
"line N: verdict  reason", then all of them set against the post's truth.toml (exit 1 on a difference)."""

import sys
import tomllib
from pathlib import Path

VERDICTS = {}


def decide(line, ok, why=""):
    VERDICTS[line] = "ok" if ok else "wrong"
    print(f"line {line}: {VERDICTS[line]}  {why}")


def unchecked(line, why=""):
    VERDICTS[line] = "unchecked"
    print(f"line {line}: unchecked  {why}")


def finish():
    """Compare with the truth.toml beside the script that is running."""
    truth = tomllib.loads((Path(sys.argv[0]).resolve().parent / "truth.toml").read_text(encoding="utf-8"))
    table = {c["line"]: c["verdict"] for c in truth["claim"]}
    bad = {n: (VERDICTS.get(n), v) for n, v in table.items() if VERDICTS.get(n) != v}
    extra = sorted(set(VERDICTS) - set(table))
    if bad or extra:
        print("DISAGREES with truth.toml:", bad, "not in truth.toml:", extra)
        sys.exit(1)
    print(f"all {len(table)} verdicts agree with truth.toml")


class Strict:
    """An array whose entries outside its shape are undefined (IndexError), never wrapped or zero: an index a
    printed formula reads literally."""

    def __init__(self, a):
        self.a = a

    def __call__(self, *idx):
        if any(i < 0 or i >= n for i, n in zip(idx, self.a.shape)):
            raise IndexError(idx)
        return self.a[idx]


def batch_norm_graph(X, gamma, beta, G, eps):
    """Batch norm in training mode as the staged graph mu -> sigma^2 -> x_hat -> y, in torch float64, with
    L = sum(G * y): y (checked against torch's own batch_norm), x_hat, and the gradients at every node, dmu
    including the path through sigma^2 (sigma^2 a function of x and mu)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (X, gamma, beta))
    mu = xt.mean(0)
    mu.retain_grad()
    var = ((xt - mu) ** 2).mean(0)
    var.retain_grad()
    xh = (xt - mu) / torch.sqrt(var + eps)
    xh.retain_grad()
    y = gt * xh + bt
    (y * torch.tensor(G)).sum().backward()
    reference = F.batch_norm(torch.tensor(X), None, None, torch.tensor(gamma), torch.tensor(beta), training=True,
                             eps=eps).numpy()
    assert np.allclose(y.detach().numpy(), reference)
    return {"y": reference, "xh": xh.detach().numpy(), "dx": xt.grad.numpy(), "dgamma": gt.grad.numpy(),
            "dbeta": bt.grad.numpy(), "dxh": xh.grad.numpy(), "dvar": var.grad.numpy(), "dmu": mu.grad.numpy()}
