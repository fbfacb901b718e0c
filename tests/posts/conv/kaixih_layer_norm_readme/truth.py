"""Independent truth for tests/posts/conv/kaixih_layer_norm_readme (NumPy and torch, no derive).

Layer normalization of an N x D batch (N = 3, D = 4) over each sample's features, gamma and beta per feature
(shape (1, D)), epsilon = 1e-3; L = sum(dy * y) for a random upstream dy. The README writes the math as images
whose URLs hold the LaTeX (%2B for +); each is evaluated as written. dx is taken as the README does: y as a
function of i(x) = x, sigma^2(x) and mu(x), each partial with the other two held fixed; the totals come from
torch.nn.functional.layer_norm's autograd."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(10)
N, D, eps = 3, 4, 1e-3
x = rng.normal(0.5, 2.0, size=(N, D)); gam = rng.normal(1.0, 0.3, size=D); bet = rng.normal(size=D); dy = rng.normal(size=(N, D))
xt = torch.tensor(x, requires_grad=True); gt = torch.tensor(gam, requires_grad=True); bt = torch.tensor(bet, requires_grad=True)
yt = F.layer_norm(xt, (D,), gt, bt, eps=eps)
(yt * torch.tensor(dy)).sum().backward()
y, dx, dgam, dbet = yt.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()
mu = x.mean(1, keepdims=True); var = ((x - mu) ** 2).mean(1, keepdims=True); s = np.sqrt(var + eps); xhat = (x - mu) / s

decide(4, np.allclose(mu[:, 0], [np.sum(x[n]) / D for n in range(N)]), "mu = (1/D) sum of a sample's D features")
decide(6, np.allclose(var[:, 0], x.var(1)), "sigma^2 = (1/D) sum (x_i - mu)^2 (biased, as torch's layer_norm)")
decide(10, np.allclose(gam * xhat + bet, y), "x_hat = (x - mu)/sqrt(sigma^2 + eps), checked through y against torch")
decide(13, np.allclose(gam * xhat + bet, y), "y = gamma x_hat + beta against torch")
decide(17, np.allclose(np.sum(dy * (x - mu) / s, 0), dgam), "dgamma = sum over the N samples of dy (x - mu)/sqrt")
decide(19, np.allclose(dy.sum(0), dbet), "dbeta = sum over the N samples of dy")

h = 1e-6
def L_of(i, v, m):            # L as a function of the three routes, each sample's (i, sigma^2, mu) given
    return np.sum(dy * (gam * (i - m) / np.sqrt(v + eps) + bet))
dL_di = dy * gam / s                                          # line 27
dL_dvar = np.sum(dy * gam * (x - mu) * -0.5 * (var + eps) ** -1.5, 1, keepdims=True)     # line 33
dvar_dx = 2 / D * (x - mu)                                    # line 35
dL_dmu = (np.sum(dy * gam * -1 / s, 1, keepdims=True)
          + np.sum(dL_dvar * (1 / D) * -2 * (x - mu), 1, keepdims=True))                  # line 39
dmu_dx = 1 / D                                                # line 41
n, k = 1, 2
e = np.zeros_like(x); e[n, k] = h
decide(27, np.isclose((L_of(x + e, var, mu) - L_of(x - e, var, mu)) / (2 * h), dL_di[n, k]),
       "dL/di with sigma^2 and mu held, by central differences")
decide(29, True, "i(x) = x")
ev = np.zeros_like(var); ev[n] = h
decide(33, np.isclose((L_of(x, var + ev, mu) - L_of(x, var - ev, mu)) / (2 * h), dL_dvar[n, 0]),
       "dL/dsigma^2 with i and mu held")
dv = lambda t: ((np.r_[x[n, :k], t, x[n, k + 1:]] - mu[n, 0]) ** 2).mean()
decide(35, np.isclose((dv(x[n, k] + h) - dv(x[n, k] - h)) / (2 * h), dvar_dx[n, k]), "dsigma^2/dx_k with mu held")
def L_mu(m):                  # mu moves x_hat directly and through sigma^2(mu) = mean((x - mu)^2)
    xs = x[n]; v_ = ((xs - m) ** 2).mean()
    return np.sum(dy[n] * (gam * (xs - m) / np.sqrt(v_ + eps) + bet))
decide(39, np.isclose((L_mu(mu[n, 0] + h) - L_mu(mu[n, 0] - h)) / (2 * h), dL_dmu[n, 0]),
       "dL/dmu through x_hat and through sigma^2(mu), by central differences")
dm = lambda t: np.r_[x[n, :k], t, x[n, k + 1:]].mean()
decide(41, np.isclose((dm(x[n, k] + h) - dm(x[n, k] - h)) / (2 * h), dmu_dx), "dmu/dx_k = 1/D")
decide(23, np.allclose(dL_di * 1 + dL_dvar * dvar_dx + dL_dmu * dmu_dx, dx), "the three routes summed equal autograd dx")

finish()
