"""Independent truth for tests/posts/conv_blind3/coolgpu_batchnorm_sigmoid_mse (NumPy and torch, no derive).

The post's network: x [N_s, N_c, N_k] flattened per channel to x_{c,i}, i over N_i = N_s N_k; BatchNorm without an
epsilon, y_{c,i} = w_c (x_{c,i} - mu_c)/sqrt(sigma_c^2) + beta_c with the biased batch variance; z = sigmoid(y);
L = (1/N) sum_{c,i} (z_{c,i} - t_{c,i})^2 with N = N_c N_i. The reference is torch's batch_norm (eps = 1e-300, nothing beside the variance in float64), sigmoid,
mse_loss and autograd over the post's own graph (x -> mu_c -> sigma_c^2 -> y -> z -> L) with retain_grad on mu_c,
sigma_c^2 and y for the node gradients; the derivatives dy_{c,k}/dx_{c,i} of lines 98-115 are the full Jacobian of
y(x) (torch.autograd.functional.jacobian), the local partials of lines 148, 176 and 200 central differences of the
node with its other inputs held. Here N_s = 3, N_c = 2, N_k = 2 (N_i = 6)."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5)
Ns, Nc, Nk = 3, 2, 2
Ni, N = Ns * Nk, Nc * Ns * Nk
x3 = rng.normal(0.5, 1.5, size=(Ns, Nc, Nk)); w = np.array([1.3, -0.7]); beta = np.array([0.2, -0.4])
t3 = rng.uniform(0, 1, size=(Ns, Nc, Nk))
flat = lambda a: a.transpose(1, 0, 2).reshape(Nc, Ni)          # [s, c, k] -> [c, i]
x, t = flat(x3), flat(t3)

# the post's graph, with the node gradients
xt = torch.tensor(x, requires_grad=True)
mu_t = xt.mean(1, keepdim=True); mu_t.retain_grad()
var_t = ((xt - mu_t) ** 2).mean(1, keepdim=True); var_t.retain_grad()
y_t = torch.tensor(w)[:, None] * (xt - mu_t) / torch.sqrt(var_t) + torch.tensor(beta)[:, None]; y_t.retain_grad()
wt = torch.tensor(w, requires_grad=True); bt = torch.tensor(beta, requires_grad=True)
y_ref = F.batch_norm(torch.tensor(x3), None, None, wt, bt, training=True, eps=1e-300)   # torch needs eps > 0; 1e-300 is 0 beside var in float64
z_ref = torch.sigmoid(y_ref); L_ref = F.mse_loss(z_ref, torch.tensor(t3)); L_ref.backward()
z_t = torch.sigmoid(y_t); L_t = ((z_t - torch.tensor(t)) ** 2).sum() / N; L_t.backward()
dL_dx, dL_dmu, dL_dvar, dL_dy = xt.grad.numpy(), mu_t.grad.numpy()[:, 0], var_t.grad.numpy()[:, 0], y_t.grad.numpy()
dL_dw, dL_dbeta = wt.grad.numpy(), bt.grad.numpy()
mu, var = x.mean(1), x.var(1); sd = np.sqrt(var)
y = w[:, None] * (x - mu[:, None]) / sd[:, None] + beta[:, None]; z = 1 / (1 + np.exp(-y))
Wc, MU, SD, VAR, B = w[:, None], mu[:, None], sd[:, None], var[:, None], beta[:, None]
d = 1e-6
fd = lambda f, v: (f(v + d) - f(v - d)) / (2 * d)

decide(4, np.allclose(y, flat(y_ref.detach().numpy())), "w_c (x - mu_c)/sqrt(sigma_c^2) + beta_c against torch batch_norm")
decide(6, np.allclose(x.mean(1), flat(x3).mean(1)) and np.allclose(x.sum(1) / Ni, x3.mean(axis=(0, 2))), "mu_c over s and k")
decide(8, np.allclose(((x - MU) ** 2).sum(1) / Ni, x3.var(axis=(0, 2))), "the biased variance over s and k")
decide(18, np.allclose(z, flat(z_ref.detach().numpy())), "z = 1/(1 + e^-y)")
decide(26, np.isclose(((z - t) ** 2).sum() / N, L_ref.item()), "(1/N) sum (z - t)^2, N = N_c N_i, against torch mse_loss")
dL_dz = 2 / N * (z - t)
dL_dz_auto = torch.autograd.functional.jacobian(lambda zz: ((zz - torch.tensor(t)) ** 2).sum() / N, torch.tensor(z)).numpy()
decide(36, np.allclose(dL_dz, dL_dz_auto), "dL/dz = (2/N)(z - t)")
e = np.exp(-y)
decide(42, np.allclose(e / (1 + e) ** 2, z * (1 - z)) and np.allclose(1 / (1 + e) * (1 - (1 - e)) / (1 + e), z * (1 - z))
       and np.allclose(z * (1 - z), fd(lambda v: 1 / (1 + np.exp(-v)), y)), "the sigmoid's derivative, all three forms")
decide(48, np.allclose(dL_dz * z * (1 - z), dL_dy), "dL/dy = dL/dz z(1 - z) against autograd at the y node")
decide(54, np.allclose((x - MU) / SD, (y - B) / Wc) and np.allclose(fd(lambda v: v * (x - MU) / SD + B, Wc), (x - MU) / SD),
       "dy/dw_c = (x - mu)/sqrt(sigma^2) = (y - beta)/w_c")
decide(60, np.allclose((dL_dy * (y - B) / Wc).sum(1), dL_dw), "sum_i dL/dy (y - beta)/w against autograd")
decide(69, np.allclose(fd(lambda v: Wc * (x - MU) / SD + v, B), 1.0), "dy/dbeta = 1")
decide(75, np.allclose(dL_dy.sum(1), dL_dbeta), "sum_i dL/dy against autograd")

# the full Jacobian dy_{c,k}/dx_{c,i} of y(x)
def y_of(xx):
    m = xx.mean(1, keepdim=True); v = ((xx - m) ** 2).mean(1, keepdim=True)
    return torch.tensor(w)[:, None] * (xx - m) / torch.sqrt(v) + torch.tensor(beta)[:, None]


J = torch.autograd.functional.jacobian(y_of, torch.tensor(x)).numpy()          # [c, k, c', i]
Jc = np.stack([J[c, :, c, :] for c in range(Nc)])                            # [c, k, i]: dy_{c,k}/dx_{c,i}
diag = np.stack([np.diag(Jc[c]) for c in range(Nc)])                         # dy_{c,i}/dx_{c,i}
offd = lambda c, k, i: Jc[c, k, i]
decide(91, np.allclose(np.einsum("ck,cki->ci", dL_dy, Jc), dL_dx), "sum_k dL/dy_k dy_k/dx_i, split into k = i and k != i")
dsd_dx = (x - MU) / (Ni * SD)                                               # d sqrt(sigma^2)/dx_i (through mu and sigma^2)
decide(98, np.allclose(Wc * (SD * (1 - 1 / Ni) - (x - MU) * dsd_dx) / VAR, diag),
       "quotient rule, d(x_i - mu)/dx_i = (N_i - 1)/N_i, against the Jacobian's diagonal")
decide(100, np.allclose(Wc * ((Ni - 1) / Ni * SD - (x - MU) * 0.5 / SD * 2 * (x - MU) / Ni) / VAR, diag), "the second row")
decide(102, np.allclose(Wc * ((Ni - 1) * VAR - (x - MU) ** 2) / (Ni * SD ** 3), diag), "the closed form")
ok111 = ok113 = ok115 = True
worst113 = 0.0
for c in range(Nc):
    for k in range(Ni):
        for i in range(Ni):
            if k == i:
                continue
            xc, m, s, v = x[c], mu[c], sd[c], var[c]
            ok111 &= np.isclose(w[c] * (s * (-1 / Ni) - (xc[k] - m) * (xc[i] - m) / (Ni * s)) / v, offd(c, k, i))
            r113 = w[c] * (s * (-1 / Ni) - (xc[i] - m) * 0.5 / s * 2 * (xc[i] - m) / Ni) / v
            ok113 &= np.isclose(r113, offd(c, k, i)); worst113 = max(worst113, abs(r113 - offd(c, k, i)))
            ok115 &= np.isclose(-w[c] * (v + (xc[i] - m) * (xc[k] - m)) / (Ni * s ** 3), offd(c, k, i))
decide(111, ok111, "quotient rule for k != i against the Jacobian")
decide(113, ok113, f"the second term has (x_i - mu)(x_i - mu) where (x_k - mu)(x_i - mu) belongs: off by up to {worst113:.3f}")
decide(115, ok115, "-w (sigma^2 + (x_i - mu)(x_k - mu))/(N_i sigma^3) against the Jacobian")
S1 = dL_dy.sum(1, keepdims=True); Sx = (dL_dy * (x - MU)).sum(1, keepdims=True)
r124 = dL_dy * Wc * ((Ni - 1) * VAR - (x - MU) ** 2) / (Ni * SD ** 3) - (S1 - dL_dy) * Wc * VAR / (Ni * SD ** 3) \
    - Wc * (x - MU) * (Sx - dL_dy * (x - MU)) / (Ni * SD ** 3)
decide(124, np.allclose(r124, dL_dx), "(20) and (21) substituted into (19) against autograd")
r126 = (1 - 1 / Ni) * Wc / SD * dL_dy - (x - MU) ** 2 / (Ni * SD ** 3) * dL_dy - Wc / (Ni * SD) * (S1 - dL_dy) \
    - Wc * (x - MU) / (Ni * SD ** 3) * (Sx - dL_dy * (x - MU))
decide(126, np.allclose(r126, dL_dx), f"the second term (x_i - mu)^2/(N_i sigma^3) dL/dy_i has lost its w_c: off by up to "
       f"{np.abs(r126 - dL_dx).max():.4f}")
r128 = Wc / SD * dL_dy - Wc / (Ni * SD) * dL_dy - Wc * (x - MU) ** 2 / (Ni * SD ** 3) * dL_dy - Wc / (Ni * SD) * (S1 - dL_dy) \
    - Wc * (x - MU) / (Ni * SD ** 3) * (Sx - dL_dy * (x - MU))
decide(128, np.allclose(r128, dL_dx), "the third row, with w_c, against autograd")
r130 = Wc / SD * dL_dy - Wc / (Ni * SD) * S1 - Wc * (x - MU) / (Ni * SD ** 3 * Wc) * (Wc * (x - MU) * dL_dy).sum(1, keepdims=True)
decide(130, np.allclose(r130, dL_dx), "the sums over all k against autograd")
r132 = Wc / SD * dL_dy - Wc / (Ni * SD) * S1 - (y - B) / (Ni * SD * Wc) * ((y - B) * dL_dy).sum(1, keepdims=True)
decide(132, np.allclose(r132, dL_dx), "in y and beta, against autograd")
decide(141, np.allclose(dL_dy * Wc / SD + dL_dmu[:, None] / Ni + dL_dvar[:, None] * 2 * (x - MU) / Ni, dL_dx),
       "dL/dy dy/dx + dL/dmu dmu/dx + dL/dsigma^2 dsigma^2/dx with the node gradients from autograd")
decide(148, np.allclose(fd(lambda v: Wc * (v - MU) / SD + B, x), Wc / SD), "dy_i/dx_i with mu_c and sigma_c^2 held")
dy_dmu = fd(lambda m: Wc * (x - m) / SD + B, MU)
dvar_dmu = fd(lambda m: ((x - m) ** 2).mean(1, keepdims=True), MU)
r155 = (dL_dy * dy_dmu).sum(1) + dL_dvar * dvar_dmu[:, 0]
decide(155, np.allclose(r155, dL_dmu), "sum_k dL/dy_k dy_k/dmu + dL/dsigma^2 dsigma^2/dmu against autograd at the mu node")
dN_dmu = fd(lambda m: ((x - m) ** 2).sum(1, keepdims=True) / N, MU)[:, 0]      # d/dmu of (1/N) sum (x_k - mu)^2
r157 = (dL_dy * dy_dmu).sum(1) + dL_dvar * dN_dmu
decide(157, np.allclose(r157, dL_dmu, atol=1e-7), "the row writes sigma^2 as (1/N) sum (x_k - mu)^2 with N = N_c N_i (for 1/N_i) "
       "and x_k for x_{c,k}; its derivative by mu is 0 at the batch mean either way, so the row's value holds")
r159 = -(dL_dy * Wc / SD).sum(1) + dL_dvar / Ni * fd(lambda m: ((x - m) ** 2).sum(1, keepdims=True), MU)[:, 0]
decide(159, np.allclose(r159, dL_dmu, atol=1e-7), "dy/dmu = -w/sqrt(sigma^2)")
r161 = -(Wc / SD)[:, 0] * dL_dy.sum(1) + dL_dvar / Ni * (2 * (MU - x)).sum(1)
decide(161, np.allclose(r161, dL_dmu, atol=1e-7), "d(x_k - mu)^2/dmu = 2(mu - x_k)")
r163 = -(Wc / SD)[:, 0] * dL_dy.sum(1) + dL_dvar * 2 * (np.full_like(x, 1) * MU / Ni).sum(1) - dL_dvar * 2 * (x / Ni).sum(1)
decide(163, np.allclose(r163, dL_dmu, atol=1e-7), "2((1/N_i) sum mu - (1/N_i) sum x_k)")
decide(165, np.allclose(-(Wc / SD)[:, 0] * dL_dy.sum(1) + dL_dvar * 2 * (mu - mu), dL_dmu, atol=1e-7), "2(mu - mu)")
decide(167, np.allclose(-(Wc / SD)[:, 0] * dL_dy.sum(1) + 0, dL_dmu, atol=1e-7), "-w/sqrt(sigma^2) sum dL/dy + 0 against autograd")
decide(172, np.allclose(dvar_dmu, 0, atol=1e-7), "dsigma^2/dmu = -(2/N_i) sum (x_k - mu) = 0 at the batch mean")
decide(176, np.isclose(fd(lambda v: (x[0].sum() - x[0, 2] + v) / Ni, x[0, 2]), 1 / Ni), "dmu_c/dx_{c,i} = 1/N_i")
r183 = (dL_dy * fd(lambda v: Wc * (x - MU) / np.sqrt(v) + B, VAR)).sum(1)
decide(183, np.allclose(r183, dL_dvar), "sum_k dL/dy_k dy_k/dsigma^2 (mu held) against autograd at the sigma^2 node")
decide(185, np.allclose(r183, dL_dvar), "the same with y written out")
r187 = (dL_dy * Wc * (x - MU) * fd(lambda v: 1 / np.sqrt(v), VAR)).sum(1)
decide(187, np.allclose(r187, dL_dvar), "w (x_k - mu) d(1/sqrt(sigma^2))/dsigma^2")
r189 = (dL_dy * Wc * (x - MU) * (-0.5 / SD ** 3)).sum(1)
decide(189, np.allclose(r189, dL_dvar), "d(1/sqrt(sigma^2))/dsigma^2 = -1/(2 sqrt(sigma^2)^3)")
decide(191, np.allclose(-0.5 * (dL_dy * Wc * (x - MU) / SD ** 3).sum(1), dL_dvar), "-(1/2) sum dL/dy w (x_k - mu)/sqrt(sigma^2)^3")
i = 2
held = lambda v, n: ((np.where(np.arange(Ni) == i, v, x[0]) - mu[0]) ** 2).sum() / n      # mu held
printed200 = fd(lambda v: held(v, N), x[0, i])
decide(200, np.isclose(printed200, 2 * (x[0, i] - mu[0]) / Ni), f"d/dx_i of (1/N) sum (x_k - mu)^2 with N = N_c N_i = {N} is "
       f"2(x_i - mu)/N = {printed200:.4f}, not the row's 2(x_i - mu)/N_i = {2 * (x[0, i] - mu[0]) / Ni:.4f} "
       f"(sigma^2 is (1/N_i) sum, Equation (7))")
decide(208, np.allclose(dL_dy * Wc / SD + dL_dmu[:, None] / Ni + dL_dvar[:, None] * 2 * (x - MU) / Ni, dL_dx), "(23) restated")
r210 = dL_dy * Wc / SD + (-(Wc / SD) * S1) / Ni + (-0.5 * (dL_dy * Wc * (x - MU) / SD ** 3).sum(1, keepdims=True)) * 2 * (x - MU) / Ni
decide(210, np.allclose(r210, dL_dx), "(24)-(28) substituted, against autograd")
r212 = Wc / SD * dL_dy - Wc / (Ni * SD) * S1 - (1 / (Ni * SD) * (x - MU) / SD * (dL_dy * Wc * (x - MU) / SD).sum(1, keepdims=True))
decide(212, np.allclose(r212, dL_dx), "the third row against autograd")
decide(214, np.allclose(Wc / SD * dL_dy - Wc / (Ni * SD) * S1 - (1 / (Ni * SD) * Wc / Wc * (x - MU) / SD
                                                                 * (dL_dy * Wc * (x - MU) / SD).sum(1, keepdims=True)), dL_dx), "times w/w")
r216 = Wc / SD * dL_dy - Wc / (Ni * SD) * S1 - ((y - B) / (Ni * Wc * SD) * (dL_dy * (y - B)).sum(1, keepdims=True))
decide(216, np.allclose(r216, dL_dx), "in y and beta against autograd")
decide(218, np.allclose(r216, dL_dx), "the final form, equal to (22)'s last row")
finish()
