"""Independent truth for tests/posts/conv_holdout/joshlk_robotchinwag_layer_norm (NumPy and torch, no derive).

Layer normalization of x (B x H) in the post's index notation, repeated indices summed (Einstein), 1_h a vector of
ones: m_b = (1/H) 1_h x_bh, mu_bh = x_bh - 1_h m_b, v_b = (1/H) 1_h mu_bh^2, sigma_b = sqrt(v_b + eps),
y_bh = mu_bh/sigma_b gamma_h + 1_b beta_h. The reference is torch's layer_norm and autograd over that graph, with
retain_grad on m, mu, v, sigma for the node gradients dl/dm_p, dl/dmu_pq, dl/dv_p; local Jacobians (d mu_bh/d m_p,
d m_b/d x_pq, ...) come from torch.autograd.functional.jacobian of the node's own function, its other inputs held.
Each printed right-hand side is evaluated with np.einsum as its indices say."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(17)
B, H, eps = 3, 5, 1e-5
x = rng.normal(0.3, 1.2, size=(B, H)); gamma = rng.normal(1.0, 0.3, size=H); beta = rng.normal(size=H)
g = rng.normal(size=(B, H))                                   # dl/dy
one_h, one_b = np.ones(H), np.ones(B)
T = lambda a: torch.tensor(a)

xt = T(x).requires_grad_(); gt = T(gamma).requires_grad_(); bt = T(beta).requires_grad_()
m_t = xt.mean(1); m_t.retain_grad()
mu_t = xt - m_t[:, None]; mu_t.retain_grad()
v_t = (mu_t ** 2).mean(1); v_t.retain_grad()
s_t = torch.sqrt(v_t + eps); s_t.retain_grad()
y_t = mu_t / s_t[:, None] * gt + bt
(y_t * T(g)).sum().backward()
assert np.allclose(y_t.detach().numpy(), F.layer_norm(T(x), (H,), T(gamma), T(beta), eps).numpy())
dx, dgamma, dbeta = xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()
dm, dmu, dv, ds = m_t.grad.numpy(), mu_t.grad.numpy(), v_t.grad.numpy(), s_t.grad.numpy()
m, mu, v = x.mean(1), x - x.mean(1)[:, None], x.var(1); sg = np.sqrt(v + eps)
I_B, I_H = np.eye(B), np.eye(H)

# Jacobians of the nodes' own functions
J_mu_m = torch.autograd.functional.jacobian(lambda mm: T(x) - mm[:, None], T(m)).numpy()          # [b, h, p]
J_m_x = torch.autograd.functional.jacobian(lambda xx: xx.mean(1), T(x)).numpy()                    # [b, p, q]
J_mu_x = torch.autograd.functional.jacobian(lambda xx: xx - T(m)[:, None], T(x)).numpy()          # m held: [b, h, p, q]

decide(7, np.allclose(J_mu_m, -np.einsum("h,bp->bhp", one_h, I_B)), "d/dm_p of (x_bh - 1_h m_b), m's own Jacobian")
decide(8, np.allclose(J_mu_m, -np.einsum("h,bp->bhp", one_h, I_B)), "-1_h delta_bp against the Jacobian")
decide(16, np.allclose(np.einsum("bh,bhp->p", dmu, J_mu_m), dm), "dl/dmu_bh dmu_bh/dm_p summed over b, h against the m node")
decide(17, np.allclose(np.einsum("bh,h,bp->p", dmu, -one_h, I_B), dm), "dl/dmu_bh (-1_h delta_bp) against the m node")
decide(18, np.allclose(-np.einsum("ph,h->p", dmu, one_h), dm), "-dl/dmu_ph 1_h against the m node")
dmu_printed = dv[:, None] * 2 * mu / H + g * gamma / sg[:, None]       # the previous section's dl/dmu_ph
assert np.allclose(dmu_printed, dmu)
decide(26, np.allclose(-np.einsum("h,ph->p", one_h, dmu_printed), dm),
       "-1_h (dl/dv_p 2 mu_ph/H + dl/dy_ph gamma_h/sigma_p) against the m node")
decide(27, np.allclose(-dv * 2 / H * mu.sum(1) - np.einsum("ph,h->p", g, gamma) / sg, dm),
       "-dl/dv_p (2/H)(1_h mu_ph) - dl/dy_ph gamma_h/sigma_p against the m node")
decide(35, np.allclose(np.einsum("h,ph->p", one_h, x - np.einsum("h,p->ph", one_h, m)), mu.sum(1)),
       "1_h (x_ph - 1_h m_p) is 1_h mu_ph")
decide(36, np.allclose(np.einsum("h,ph->p", one_h, x) - np.einsum("h,h->", one_h, one_h) * m, mu.sum(1)),
       "1_h x_ph - (1_h 1_h) m_p, the contraction 1_h 1_h being H")
decide(37, np.allclose(H * m - H * m, mu.sum(1), atol=1e-12) and np.allclose(np.einsum("h,ph->p", one_h, x), H * m),
       "1_h x_ph = H m_p, so H m_p - H m_p")
decide(38, np.allclose(mu.sum(1), 0, atol=1e-12), "1_h mu_ph = 0")
decide(45, np.allclose(-np.einsum("ph,h->p", g, gamma) / sg, dm), "-dl/dy_ph gamma_h/sigma_p against the m node")
decide(54, np.allclose(J_m_x, np.einsum("q,bp->bpq", one_h, I_B) / H), "d/dx_pq of (1/H) 1_h x_bh, m's own Jacobian")
decide(55, np.allclose(J_m_x, np.einsum("q,bp->bpq", one_h, I_B) / H), "1_q/H delta_bp against the Jacobian")
decide(63, np.allclose(J_mu_x, np.einsum("bp,hq->bhpq", I_B, I_H)), "d/dx_pq of (x_bh - 1_h m_b), m held")
decide(64, np.allclose(J_mu_x, np.einsum("bp,hq->bhpq", I_B, I_H)), "delta_bp delta_hq against the Jacobian")
decide(72, np.allclose(np.einsum("b,bpq->pq", dm, J_m_x) + np.einsum("bh,bhpq->pq", dmu, J_mu_x), dx),
       "dl/dm_b dm_b/dx_pq + dl/dmu_bh dmu_bh/dx_pq against autograd dl/dx")
row73 = (np.einsum("bh,h,b,q,bp->pq", -g, gamma, 1 / sg, one_h, I_B) / H
         + np.einsum("bh,bp,hq->pq", dv[:, None] * 2 * mu / H + g * gamma / sg[:, None], I_B, I_H))
decide(73, np.allclose(row73, dx), "the two factors written out, contracted over b and h, against autograd")
row74 = (-np.einsum("q,ph,h,p->pq", one_h, g, gamma, 1 / sg) / H + 2 / H * dv[:, None] * mu
         + g * gamma / sg[:, None])
decide(74, np.allclose(row74, dx), "-1_q/H dl/dy_ph gamma_h/sigma_p + (2/H) dl/dv_p mu_pq + dl/dy_pq gamma_q/sigma_p")
dv_printed = -np.einsum("ph,ph,h->p", g, mu, gamma) / (2 * sg ** 3)
assert np.allclose(dv_printed, dv)
row82 = (-np.einsum("q,ph,h,p->pq", one_h, g, gamma, 1 / sg) / H + 2 / H * dv_printed[:, None] * mu
         + g * gamma / sg[:, None])
decide(82, np.allclose(row82, dx), "with dl/dv_p = -dl/dy_ph mu_ph gamma_h/(2 sigma_p^3) substituted, against autograd")
final = g * gamma / sg[:, None] - np.einsum("ph,h,pq->pq", g, gamma / H, one_h[None, :] / sg[:, None]) \
    - np.einsum("ph,h,ph,pq->pq", g, gamma / H, mu, mu / sg[:, None] ** 3)
for line in (83, 95):
    decide(line, np.allclose(final, dx), "dl/dy_pq gamma_q/sigma_p - dl/dy_ph gamma_h/H (1_q/sigma_p + mu_ph mu_pq/sigma_p^3) "
           "against autograd")
decide(93, np.allclose(np.einsum("bq,bq,b->q", g, mu, 1 / sg), dgamma), "dl/dy_bq mu_bq/sigma_b summed over b against autograd")
decide(94, np.allclose(np.einsum("bq,b->q", g, one_b), dbeta), "dl/dy_bq 1_b summed over b against autograd")

finish()
