"""Independent truth for tests/posts/conv/akim42003_alexkode_batchnorm_example (NumPy and torch, no derive).

Batch normalization over the batch axis of x (N = 3, D = 2) with gamma = 1, beta = 0 and the biased batch variance;
the page names no eps, so both eps = 1e-12 (about 0) and PyTorch's 1e-5 are tried (the 4-decimal figures hold for both).
Reference: torch.nn.functional.batch_norm(training=True) and its autograd with dout = ones."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]); dout = np.ones((3, 2))

def reference(eps):
    xt = torch.tensor(x, requires_grad=True); g = torch.ones(2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    out = F.batch_norm(xt, None, None, g, b, training=True, eps=eps)
    (out * torch.tensor(dout)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), g.grad.numpy(), b.grad.numpy()

def post_forward(eps):     # lines 3-4 as printed, with the biased batch variance
    mean, var = x.mean(0), x.var(0)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return np.ones(2) * x_hat + np.zeros(2), x_hat

ok3 = all(np.allclose(post_forward(e)[0], reference(e)[0]) for e in (1e-12, 1e-5))
decide(3, ok3, "x_hat = (x - mean)/sqrt(var + eps) with the batch mean and biased variance, against torch")
decide(4, ok3, "out = gamma x_hat + beta, against torch")
printed_out = np.array([[-1.2247, -1.2247], [0, 0], [1.2247, 1.2247]])
decide(31, all(np.allclose(np.round(reference(e)[0], 4), printed_out) for e in (1e-12, 1e-5)),
       f"torch out = {np.round(reference(1e-5)[0], 6).tolist()}")
_, dx, dgamma, dbeta = reference(1e-5)
decide(45, np.allclose(dgamma, [0, 0], atol=1e-12) and np.allclose(dbeta, [3, 3]), f"dgamma = {dgamma}, dbeta = {dbeta}")
decide(46, np.allclose(dx, 0, atol=1e-12), f"dx max |.| = {np.abs(dx).max():.1e}")
# line 49: a constant upstream gradient gives dx = 0 for any x (the mean path cancels it), checked on random batches
rng = np.random.default_rng(0); ok = True
for _ in range(20):
    a = torch.tensor(rng.normal(size=(5, 3)), requires_grad=True); c = rng.normal(size=3)
    (F.batch_norm(a, None, None, torch.tensor(rng.normal(size=3)), None, training=True) * torch.tensor(c)).sum().backward()
    ok &= np.allclose(a.grad.numpy(), 0, atol=1e-10)
decide(49, ok, "a uniform upstream gradient gives dx = 0 on 20 random batches")
# line 56: dbeta = sum(dout), dgamma = sum(dout * x_hat) over the batch, on a random batch and dout
a = rng.normal(size=(4, 3)); d = rng.normal(size=(4, 3)); gam = rng.normal(size=3)
at = torch.tensor(a); gt = torch.tensor(gam, requires_grad=True); bt = torch.zeros(3, dtype=torch.float64, requires_grad=True)
(F.batch_norm(at, None, None, gt, bt, training=True, eps=1e-5) * torch.tensor(d)).sum().backward()
xh = (a - a.mean(0)) / np.sqrt(a.var(0) + 1e-5)
decide(56, np.allclose(d.sum(0), bt.grad.numpy()) and np.allclose((d * xh).sum(0), gt.grad.numpy()),
       "dbeta and dgamma (sums over the batch axis) against autograd")

finish()
