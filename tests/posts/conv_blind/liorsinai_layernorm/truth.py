"""Independent truth for tests/posts/conv_blind/liorsinai_layernorm (NumPy and torch, no derive).

z = a (x - mu)/(sigma + eps) + b over n features; the reference is autograd of that function (jacobian), and torch
layer_norm at eps = 0 for the forward pass. Local partials with mu or sigma held come from central differences."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5)
n, eps, a, b = 6, 1e-3, 1.3, -0.4
x = rng.normal(1.0, 2.0, size=n); mu = x.mean(); sg = np.sqrt(np.mean((x - mu) ** 2))
zf = lambda v: a * (v - v.mean()) / (torch.sqrt(((v - v.mean()) ** 2).mean()) + eps) + b
J = torch.autograd.functional.jacobian(zf, torch.tensor(x)).numpy()          # J[k, i] = dz_k/dx_i (with a)
J0 = J / a
ref = F.layer_norm(torch.tensor(x), (n,), eps=0.0).numpy()
decide(4, np.allclose(a * (x - mu) / (sg + 0.0) + b, a * ref + b), "a (x - mu)/sigma + b against torch layer_norm (eps = 0)")
decide(14, np.isclose(np.sum(x) / n, torch.tensor(x).mean().item()), "mean")
decide(15, np.isclose(np.sqrt(np.sum((x - mu) ** 2) / n), torch.tensor(x).std(unbiased=False).item()), "biased std")
dLdz = rng.normal(size=n)
xt = torch.tensor(x, requires_grad=True); ((zf(xt) / a) * torch.tensor(dLdz)).sum().backward()
decide(27, np.allclose(J0.T @ dLdz, xt.grad.numpy()), "dz/dx laid out with rows indexed by x (J^T) times dL/dz against autograd dL/dx")
decide(32, np.isclose((x[0] - mu) / (sg + eps), (zf(torch.tensor(x)).numpy()[0] - b) / a), "z_1 = (x_1 - mu)/(sigma + eps)")
D = np.eye(n); dmu = np.full(n, 1 / n); dsg = (x - mu) / (n * sg)
dmu_fd = np.array([(np.mean(x + 1e-6 * D[i]) - np.mean(x - 1e-6 * D[i])) / 2e-6 for i in range(n)])
std = lambda v: np.sqrt(np.mean((v - v.mean()) ** 2))
dsg_fd = np.array([(std(x + 1e-6 * D[i]) - std(x - 1e-6 * D[i])) / 2e-6 for i in range(n)])
r42 = np.array([[(((x + 1e-6 * D[i])[k] - (x + 1e-6 * D[i]).mean()) / (std(x + 1e-6 * D[i]) + eps)
                  - ((x - 1e-6 * D[i])[k] - (x - 1e-6 * D[i]).mean()) / (std(x - 1e-6 * D[i]) + eps)) / 2e-6 for i in range(n)] for k in range(n)])
decide(42, np.allclose(r42, J0, atol=1e-6), "d/dx_i of (x_k - mu)(sigma + eps)^-1 by central differences against autograd")
r43 = np.array([[(D[i, k] - dmu[i]) / (sg + eps) + (x[k] - mu) * (-(sg + eps) ** -2 * dsg_fd[i]) for i in range(n)] for k in range(n)])
decide(43, np.allclose(r43, J0), "product rule row")
r44 = np.array([[(D[i, k] - dmu_fd[i]) / (sg + eps) - (x[k] - mu) * (sg + eps) ** -2 * (dsg_fd[i] + 0) for i in range(n)] for k in range(n)])
decide(44, np.allclose(r44, J0), "(delta_ik - dmu/dx_i)/(sigma+eps) - (x_k - mu)(sigma+eps)^-2 (dsigma/dx_i + 0)")
decide(46, np.allclose(r44, J0), "the same with (x_k - mu)/(sigma+eps)^2")
decide(55, np.allclose(dmu_fd, 1 / n), "d/dx_i (1/n) sum_r x_r by central differences")
decide(56, np.allclose(np.array([np.sum(D[i]) / n for i in range(n)]), dmu_fd), "(1/n)(0 + ... + 1 + ... + 0)")
decide(57, np.allclose(dmu_fd, dmu), "1/n")
var = np.mean((x - mu) ** 2)
decide(67, np.allclose(dsg_fd, [(np.sqrt(np.mean((x + 1e-6 * D[i] - (x + 1e-6 * D[i]).mean()) ** 2)) - np.sqrt(np.mean((x - 1e-6 * D[i] - (x - 1e-6 * D[i]).mean()) ** 2))) / 2e-6 for i in range(n)]), "sigma as (mean of squares)^(1/2)")
dvar_fd = np.array([(np.var(x + 1e-6 * D[i]) - np.var(x - 1e-6 * D[i])) / 2e-6 for i in range(n)])
decide(68, np.allclose(0.5 * var ** -0.5 * dvar_fd, dsg_fd), "(1/2)(var)^(-1/2) d var/dx_i")
r69 = np.array([1 / (2 * sg) * (np.sum(2 * (x - mu) * (D[i] - dmu[i])) / n) for i in range(n)])
decide(69, np.allclose(r69, dsg_fd), "(1/(2 sigma))((1/n) sum_r 2 (x_r - mu)(delta_ir - dmu/dx_i))")
r71 = np.array([((x[i] - mu) - np.sum(x - mu) * dmu[i]) / (n * sg) for i in range(n)])
decide(71, np.allclose(r71, dsg_fd), "((x_i - mu) - sum_r (x_r - mu) dmu/dx_i)/(n sigma)")
decide(72, np.allclose(dsg, dsg_fd), "(x_i - mu)/(n sigma)")
decide(78, np.isclose(np.sum(x - mu), 0) and np.isclose(np.sum(x) - mu * n, 0), "sum (x_r - mu) = n mu - mu n = 0")
r85 = np.array([[a * ((D[i, k] - dmu[i]) / (sg + eps) - (x[k] - mu) / (sg + eps) ** 2 * dsg[i]) for i in range(n)] for k in range(n)])
decide(85, np.allclose(r85, J), "a(...) against the autograd Jacobian with a")
decide(87, np.allclose(dmu_fd, 1 / n), "dmu/dx_i")
decide(88, np.allclose(dsg, dsg_fd), "dsigma/dx_i")
at = torch.tensor(a, dtype=torch.float64, requires_grad=True); bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
Ja = torch.autograd.functional.jacobian(lambda aa, bb: aa * (torch.tensor(x) - mu) / (sg + eps) + bb, (at, bt))
decide(89, np.allclose(Ja[0].numpy(), (x - mu) / (sg + eps)), "dz_k/da against autograd")
decide(90, np.allclose(Ja[1].numpy(), 1), "dz_k/db against autograd")
finish()
