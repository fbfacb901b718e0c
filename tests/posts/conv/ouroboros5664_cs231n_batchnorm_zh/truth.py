"""Independent truth for tests/posts/conv/ouroboros5664_cs231n_batchnorm_zh (NumPy and torch, no derive).

CS231n batch normalization of one feature over a batch of m samples: mu = mean(x), sigma^2 = mean((x - mu)^2),
x_hat = (x - mu)/sqrt(sigma^2 + eps), y = out = gamma x_hat + b (the post's b is beta). The layer's gradients come
from torch's autograd; the post's local partials are checked by central differences of the node they belong to,
its other arguments held fixed (the computational-graph reading the post asks for)."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(4)
m, eps = 5, 1e-5
x = rng.normal(2.0, 3.0, size=m); gamma, b = 1.7, -0.4; dout = rng.normal(size=m)
xt = torch.tensor(x[:, None], requires_grad=True); gt = torch.tensor([gamma], dtype=torch.float64, requires_grad=True)
bt = torch.tensor([b], dtype=torch.float64, requires_grad=True)
out = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
(out[:, 0] * torch.tensor(dout)).sum().backward()
out = out.detach().numpy()[:, 0]
mu, var = x.mean(), x.var(); xhat = (x - mu) / np.sqrt(var + eps)

decide(3, np.allclose(gamma * x + b, out), f"gamma x + b = {np.round(gamma * x + b, 3)}, the layer's output is "
       f"{np.round(out, 3)} = gamma x_hat + b")
decide(5, np.isclose(dout.sum(), bt.grad.item()), "sum of dout against autograd dl/db")
decide(7, np.isclose((dout * x).sum(), gt.grad.item()), f"sum dout_i x_i = {(dout * x).sum():.4f}, autograd dl/dgamma "
       f"= {gt.grad.item():.4f} = sum dout_i x_hat_i = {(dout * xhat).sum():.4f}")

d = 1e-6; i = 2
fd = lambda f, v: (f(v + d) - f(v - d)) / (2 * d)
y_of_xhat = lambda xh: gamma * xh + b
xhat_of = lambda xi, mu_, var_: (xi - mu_) / np.sqrt(var_ + eps)
var_of = lambda xs, mu_: np.mean((xs - mu_) ** 2)
def with_xi(v):
    xs = x.copy(); xs[i] = v; return xs
decide(13, np.isclose(fd(y_of_xhat, xhat[i]), gamma), "dy_i/dx_hat_i")
decide(14, np.isclose(fd(lambda v: xhat_of(v, mu, var), x[i]), 1 / np.sqrt(var + eps)), "dx_hat_i/dx_i, mu and sigma^2 held")
decide(15, np.isclose(fd(lambda v: xhat_of(x[i], v, var), mu), -1 / np.sqrt(var + eps)), "dx_hat_i/dmu")
decide(16, np.isclose(fd(lambda v: xhat_of(x[i], mu, v), var), (x[i] - mu) * -0.5 * (var + eps) ** -1.5), "dx_hat_i/dsigma^2")
decide(17, np.isclose(fd(lambda v: var_of(with_xi(v), mu), x[i]), 2 * (x[i] - mu) / m), "dsigma^2/dx_i, mu held")
decide(18, np.isclose(fd(lambda v: var_of(x, v), mu), -2 * np.sum(x - mu) / m, atol=1e-8), "dsigma^2/dmu (0 at the batch mean)")
decide(19, np.isclose(fd(lambda v: with_xi(v).mean(), x[i]), 1 / m), "dmu/dx_i")
# and the partials, summed along the graph as the post says next, give autograd's dl/dx
dxhat = dout * gamma
dvar = np.sum(dxhat * (x - mu) * -0.5 * (var + eps) ** -1.5)
dmu = np.sum(-dxhat / np.sqrt(var + eps)) + dvar * (-2 * np.sum(x - mu) / m)
dx = dxhat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmu / m
print("summing the post's partials along the graph gives autograd's dl/dx:", np.allclose(dx, xt.grad.numpy()[:, 0]))

finish()
