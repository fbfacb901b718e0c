"""Independent truth for tests/posts/conv_blind2/doraemonzzz_xopes_normalize (NumPy and torch, no derive).

The README's normalization of one vector of d features: p = x + y, q = p - mean(p) (or q = p), sigma = sqrt(q^T q),
r = q / sigma, o = c r (.) w + b; do = dL/do given. The reference is autograd of the README's own function (and
torch.autograd.functional.jacobian for dr/dq), and torch's layer_norm / rms_norm at eps = 0 with c = sqrt(d) for the
forward pass (c sqrt(d)-scaled unit vector = division by the root mean square)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(23)
d = 6
x, y, w, b, do = (rng.normal(size=d) for _ in range(5))
c = np.sqrt(d)
T = lambda a: torch.tensor(a, requires_grad=True)


def forward(xx, yy, ww, bb, centre=True):
    p = xx + yy
    q = p - p.sum() / d if centre else p
    sigma = torch.sqrt(q @ q)
    r = q / sigma
    return c * r * ww + bb, p, q, sigma, r


xt, yt, wt, bt = T(x), T(y), T(w), T(b)
o, p, q, sigma, r = forward(xt, yt, wt, bt)
for v in (p, q, r):
    v.retain_grad()
(o * torch.tensor(do)).sum().backward()
P, Q, S, R = p.detach().numpy(), q.detach().numpy(), sigma.item(), r.detach().numpy()
dp, dq, dr = p.grad.numpy(), q.grad.numpy(), r.grad.numpy()

ln = F.layer_norm(torch.tensor(x + y), (d,), eps=0.0).numpy() * w + b
x1 = (x + y) - (x + y).mean()
decide(5, np.allclose(c * x1 * w / np.sqrt(x1 @ x1) + b, ln), "c (x_1 (.) w)/sqrt(x_1^T x_1) + b with x_1 centred, c = sqrt(d), "
       "against torch layer_norm (eps = 0) of x + y, scaled by w, shifted by b")
decide(20, np.allclose(P, x + y), "p = x + y")
rms = F.rms_norm(torch.tensor(x + y), (d,), eps=0.0).numpy() * w + b
decide(21, np.allclose(forward(T(x), T(y), T(w), T(b), centre=False)[0].detach().numpy(), rms),
       "with q = p the chain is torch rms_norm (eps = 0), c = sqrt(d)")
decide(22, np.allclose(Q, (x + y) - np.sum(x + y) / d), "q = p - (sum p_i)/d")
decide(23, np.isclose(S, np.sqrt(Q @ Q)), "sigma = sqrt(q^T q)")
decide(24, np.allclose(R, Q / S), "r = q / sigma")
decide(25, np.allclose(o.detach().numpy(), ln), "o = c r (.) w + b, the chain of lines 20-25, against torch layer_norm")
decide(36, np.allclose(do, bt.grad.numpy()), "db = do against autograd")
decide(37, np.allclose(do * (c * R), wt.grad.numpy()), "dw = do (.) (c r) against autograd")
decide(38, np.allclose(do * (c * w), dr), "dr = do (.) (c w) against autograd at the r node")
J = torch.autograd.functional.jacobian(lambda qq: qq / torch.sqrt(qq @ qq), torch.tensor(Q)).numpy()   # J[i, j] = dr_i/dq_j
I = np.eye(d)
dsig_fd = np.array([(np.linalg.norm(Q + 1e-6 * I[j]) - np.linalg.norm(Q - 1e-6 * I[j])) / 2e-6 for j in range(d)])
decide(39, np.allclose(I / S - np.outer(Q, dsig_fd) / S ** 2, J), "1_{i=j}/sigma - q_i/sigma^2 dsigma/dq_j (dsigma/dq_j by central differences) against the jacobian")
decide(41, np.allclose(I / S - np.outer(Q, 0.5 * (Q @ Q) ** -0.5 * 2 * Q) / S ** 2, J), "(1/2)(q^T q)^(-1/2) 2 q_j for dsigma/dq_j")
decide(42, np.allclose(I / S - np.outer(Q, Q) / S ** 3, J), "1_{i=j}/sigma - q_i q_j/sigma^3")
decide(43, np.allclose((I - np.outer(R, R)) / S, J), "(1_{i=j} - r_i r_j)/sigma")
decide(45, np.allclose((I - np.outer(R, R)) / S, J), "dr/dq = (I - r r^T)/sigma")
decide(49, np.allclose(J.T @ dr, dq), "dq = (dr/dq)^T dr against autograd at the q node")
decide(51, np.allclose((I - np.outer(R, R)) @ dr / S, dq), "(I - r r^T) dr / sigma")
decide(52, np.allclose((dr - (R @ dr) * R) / S, dq), "(dr - (r^T dr) r)/sigma")
o2, p2, q2, _, _ = forward(T(x), T(y), T(w), T(b), centre=False)
p2.retain_grad(); q2.retain_grad(); (o2 * torch.tensor(do)).sum().backward()
decide(53, np.allclose(p2.grad.numpy(), q2.grad.numpy()), "with q = p, dp = dq (autograd)")
dq_dp = torch.autograd.functional.jacobian(lambda pp: pp - pp.sum() / d, torch.tensor(P)).numpy()        # [i, k] = dq_i/dp_k
decide(54, np.allclose(np.array([sum(dq[i] * dq_dp[i, k] for i in range(d)) for k in range(d)]), dp), "sum_i dq_i dq_i/dp_k against autograd at the p node")
decide(55, np.allclose(np.array([sum(dq[i] * (I[i, k] - 1 / d) for i in range(d)) for k in range(d)]), dp), "sum_i dq_i (1_{i=k} - 1/d)")
decide(56, np.allclose(dq - np.sum(dq) / d, dp), "dq_k - (1/d) sum_i dq_i")
decide(57, np.allclose(dq - dq.mean(), dp), "dq - mean(dq)")
decide(58, np.allclose(dp, xt.grad.numpy()), "dx = dp against autograd")
decide(59, np.allclose(dp, yt.grad.numpy()), "dy = dp against autograd")
finish()
