"""Independent truth for tests/posts/conv_blind7/l1351868270_rmsnorm_triton_zh (NumPy and torch, no derive).

The page's layer (Chinese prose, Markdown with inline LaTeX): RMS normalization of each row i of X (M x N), no epsilon:
rms(x)_i = sqrt((1/N) sum_j x_ij^2), rrms(x)_i = 1/rms(x)_i, rmsnorm(x)_ij = x_ij/rms(x)_i . gamma_ij, with a gamma
per entry as the page writes it (gamma_{ij}; '.' is multiplication). Indices are 0-based as on the page (j = 0..N-1).
f is a scalar function of rmsnorm(X), df_kl = df/drmsnorm(x)_kl; here f = sum(G * rmsnorm(X)) for a random G, so
df_kl = G_kl, and df/dx_ij is the autograd gradient. Partial derivatives d rms(x)_k/dx_ij, d rrms(x)_k/dx_ij and
d rmsnorm(x)_kl/dx_ij are the entries of torch Jacobians (torch.autograd.functional.jacobian); the x in the general
rules of lines 30-38 is a scalar. Each line of a case ('k != i'; 'k = i, l != j'; 'k = i, l = j') is checked on every
index combination of that case. rmsnorm is checked against torch rms_norm (eps = 0) times gamma. M = 3, N = 5."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(71)
M, N = 3, 5
X = rng.normal(0.3, 1.2, size=(M, N)); Gam = rng.normal(1.0, 0.6, size=(M, N)); G = rng.normal(size=(M, N))
T = lambda a: torch.tensor(a, dtype=torch.float64)

rms_f = lambda x: torch.sqrt((x ** 2).mean(1))                       # (M,)
u_f = lambda x: (x ** 2).sum(1) / N
rrms_f = lambda x: 1 / rms_f(x)
norm_f = lambda x: x / rms_f(x)[:, None] * T(Gam)
rms, rrms, u = rms_f(T(X)).numpy(), rrms_f(T(X)).numpy(), u_f(T(X)).numpy()
Jrms = jacobian(rms_f, T(X)).numpy()                                   # [k, i, j]
Jrrms = jacobian(rrms_f, T(X)).numpy()                                 # [k, i, j]
Ju = jacobian(u_f, T(X)).numpy()                                       # [k, i, j]
Jn = jacobian(norm_f, T(X)).numpy()                                    # [k, l, i, j]
xt = T(X).requires_grad_()
(T(G) * norm_f(xt)).sum().backward()
dx = xt.grad.numpy()
Y = norm_f(T(X)).numpy()
S = lambda q: (X[q] ** 2).sum() / N                                    # (1/N) sum_q x_iq^2 for row q

def over(cond, fn, ref):
    """fn(k, l, i, j) against ref[k, l, i, j] on every index combination with cond(k, l, i, j)."""
    pts = [(k, l, i, j) for k in range(M) for l in range(N) for i in range(M) for j in range(N) if cond(k, l, i, j)]
    return all(np.isclose(fn(*p), ref[p]) for p in pts)

def over_rms(cond, fn, ref):
    pts = [(k, i, j) for k in range(M) for i in range(M) for j in range(N) if cond(k, i, j)]
    return all(np.isclose(fn(*p), ref[p]) for p in pts)

delta = lambda a, b: 1.0 if a == b else 0.0

# ---- forward, lines 7-23
ref = (F.rms_norm(T(X), (N,), eps=0.0) * T(Gam)).numpy()
decide(7, np.allclose(np.sqrt((X ** 2).sum(1) / N), torch.sqrt(torch.mean(T(X) ** 2, 1)).numpy()),
       "rms(x)_i = sqrt((1/N) sum_j x_ij^2) (definition)")
decide(11, np.allclose(1 / rms, 1 / np.sqrt((X ** 2).sum(1) / N)), "rrms(x)_i = 1/rms(x)_i = 1/sqrt(...)")
decide(15, np.allclose(X / rms[:, None] * Gam, ref) and np.allclose(rrms[:, None] * X * Gam, ref),
       "rmsnorm(x)_ij = x_ij/rms(x)_i . gamma_ij = rrms(x)_i . x_ij . gamma_ij against torch rms_norm (eps 0) times gamma")
decide(18, np.allclose(u, (X ** 2).mean(1)), "u = (1/N) sum_j x_ij^2 (definition, per row i)")
decide(20, np.allclose(np.sqrt(u), rms), "rms(x)_i = sqrt(u)")
decide(23, np.allclose(X / np.sqrt(u)[:, None] * Gam, ref), "rmsnorm(x)_ij = x_ij/sqrt(u) . gamma_ij")

# ---- general rules, lines 30-38 (scalar x > 0, autograd)
s = T(1.7).requires_grad_()
g = lambda fun: torch.autograd.grad(fun(s), s)[0].item()
decide(30, all(np.isclose(torch.autograd.grad(s ** n, s)[0].item(), n * 1.7 ** (n - 1)) for n in (2, 3, 5)),
       "d x^n/dx = n x^(n-1) (n = 2, 3, 5)")
decide(32, np.isclose(g(torch.sqrt), 0.5 * 1.7 ** -0.5) and np.isclose(0.5 * 1.7 ** -0.5, 1 / (2 * np.sqrt(1.7))),
       "d sqrt(x)/dx = (1/2) x^(-1/2) = 1/(2 sqrt(x))")
decide(34, np.isclose(g(lambda v: v ** 2), 2 * 1.7), "d x^2/dx = 2x")
decide(36, np.isclose(g(lambda v: 1 / v), -1 / 1.7 ** 2), "d (1/x)/dx = -1/x^2")
fq, gq = (lambda v: torch.sin(v) + v ** 3), (lambda v: torch.exp(v) + 2)
fv, gv, dfv, dgv = np.sin(1.7) + 1.7 ** 3, np.exp(1.7) + 2, np.cos(1.7) + 3 * 1.7 ** 2, np.exp(1.7)
decide(38, np.isclose(g(lambda v: fq(v) / gq(v)), (dfv * gv - fv * dgv) / gv ** 2),
       "quotient rule d(f/g)/dx = (f' g - f g')/g^2 (f = sin x + x^3, g = e^x + 2)")

# ---- d rms(x)_k / dx_ij, lines 49-75
decide(49, over_rms(lambda k, i, j: k != i, lambda k, i, j: 0.0, Jrms), "case k != i: d rms(x)_k/dx_ij = 0")
decide(59, over_rms(lambda k, i, j: k == i, lambda k, i, j: Jrms[i, i, j], Jrms),
       "case k = i: d rms(x)_k/dx_ij = d rms(x)_i/dx_ij")
decide(63, over_rms(lambda k, i, j: k == i, lambda k, i, j: 1 / (2 * np.sqrt(S(i))) * Ju[i, i, j], Jrms),
       "= 1/(2 sqrt((1/N) sum_q x_iq^2)) . d((1/N) sum_q x_iq^2)/dx_ij (Jacobian of u)")
decide(67, over_rms(lambda k, i, j: k == i, lambda k, i, j: 1 / (2 * np.sqrt(S(i))) * 2 * X[i, j] / N, Jrms),
       "= 1/(2 sqrt(...)) . 2 x_ij/N")
decide(71, over_rms(lambda k, i, j: k == i, lambda k, i, j: X[i, j] / (N * np.sqrt(S(i))), Jrms), "= x_ij/(N sqrt(...))")
decide(75, over_rms(lambda k, i, j: k == i, lambda k, i, j: X[i, j] / (N * rms[i]), Jrms), "= x_ij/(N rms(x)_i)")

# ---- d rmsnorm(x)_kl / dx_ij (first way, quotient rule), lines 84-124
c1 = lambda k, l, i, j: k != i
c2 = lambda k, l, i, j: k == i and l != j
c3 = lambda k, l, i, j: k == i and l == j
decide(84, over(c1, lambda k, l, i, j: 0.0, Jn), "case k != i: d rmsnorm(x)_kl/dx_ij = 0")
quot = lambda k, l, i, j: (delta((k, l), (i, j)) * rms[k] - X[k, l] * Jrms[k, i, j]) / rms[k] ** 2 * Gam[k, l]
decide(94, over(c2, quot, Jn), "case k = i, l != j: = (dx_kl/dx_ij rms_k - x_kl d rms_k/dx_ij)/rms_k^2 . gamma_kl")
decide(98, over(c2, lambda k, l, i, j: quot(i, l, i, j), Jn), "= the same with k = i")
decide(102, over(c2, lambda k, l, i, j: -X[i, l] * Jrms[i, i, j] / rms[i] ** 2 * Gam[i, l], Jn),
       "= -x_il . d rms_i/dx_ij/rms_i^2 . gamma_il (dx_il/dx_ij = 0 for l != j)")
decide(106, over(c2, lambda k, l, i, j: -X[i, l] * X[i, j] / (N * rms[i] ** 3) * Gam[i, l], Jn),
       "= -x_il x_ij/(N rms_i^3) . gamma_il")
decide(116, over(c3, quot, Jn), "case k = i, l = j: the quotient rule")
decide(120, over(c3, lambda k, l, i, j: (1.0 * rms[i] - X[i, j] * Jrms[i, i, j]) / rms[i] ** 2 * Gam[i, j], Jn),
       "= (dx_ij/dx_ij rms_i - x_ij d rms_i/dx_ij)/rms_i^2 . gamma_ij")
decide(124, over(c3, lambda k, l, i, j: (1 / rms[i] - X[i, j] ** 2 / (N * rms[i] ** 3)) * Gam[i, j], Jn),
       "= (1/rms_i - x_ij x_ij/(N rms_i^3)) . gamma_ij")

# ---- d rrms(x)_k / dx_ij (second way), lines 135-141; the page sets k = i without saying so
ck = lambda k, i, j: k == i
dS = lambda i, j: jacobian(lambda x: 1 / torch.sqrt((x[i] ** 2).sum() / N), T(X)).numpy()[i, j]
decide(135, over_rms(ck, lambda k, i, j: dS(i, j), Jrrms), "d rrms(x)_i/dx_ij = d(1/sqrt((1/N) sum_q x_iq^2))/dx_ij")
dP = lambda i, j: jacobian(lambda x: ((x[i] ** 2).sum() / N) ** -0.5, T(X)).numpy()[i, j]
decide(137, over_rms(ck, lambda k, i, j: dP(i, j), Jrrms), "= d(((1/N) sum_q x_iq^2)^(-1/2))/dx_ij")
row139 = lambda k, i, j: -0.5 * S(i) ** -1.5 * 2 / N
print(f"   (line 139: -(1/2) S^(-3/2) . 2/N gives {row139(0, 0, 1):.4f} for i = 0, j = 1, the Jacobian {Jrrms[0, 0, 1]:.4f}; "
      f"the factor x_ij = {X[0, 1]:.4f} is missing)")
decide(139, over_rms(ck, row139, Jrrms), "= -(1/2) ((1/N) sum_q x_iq^2)^(-3/2) . 2/N: the chain rule's inner derivative "
       "d((1/N) sum_q x_iq^2)/dx_ij = 2 x_ij/N lost its x_ij")
decide(141, over_rms(ck, lambda k, i, j: -X[i, j] / N * S(i) ** -1.5, Jrrms), "= -(x_ij/N) ((1/N) sum_q x_iq^2)^(-3/2)")

# ---- d rmsnorm(x)_kl / dx_ij (second way, product rule), lines 150-194
decide(150, over(c1, lambda k, l, i, j: 0.0, Jn), "case k != i: = 0")
decide(160, over(c2, lambda k, l, i, j: jacobian(lambda x: rrms_f(x)[k] * x[k, l] * Gam[k, l], T(X)).numpy()[i, j], Jn),
       "case k = i, l != j: = d(rrms_k . x_kl . gamma_kl)/dx_ij")
decide(164, over(c2, lambda k, l, i, j: jacobian(lambda x: rrms_f(x)[i] * x[i, l] * Gam[i, l], T(X)).numpy()[i, j], Jn),
       "= d(rrms_i . x_il . gamma_il)/dx_ij")
prod = lambda k, l, i, j: Jrrms[i, i, j] * X[i, l] * Gam[i, l] + rrms[i] * delta(l, j)   # the page's second term: no gamma
decide(168, over(c2, prod, Jn), "= d rrms_i/dx_ij . x_il . gamma_il + rrms_i . dx_il/dx_ij ('\\frac {x_{il}}{\\partial "
       "x_{ij}}' read as dx_il/dx_ij): right in this case, where dx_il/dx_ij = 0 and the second term (which has lost "
       "gamma_il) vanishes")
decide(172, over(c2, lambda k, l, i, j: -X[i, j] / N * S(i) ** -1.5 * X[i, l] * Gam[i, l], Jn),
       "= -(x_ij/N) S^(-3/2) . x_il . gamma_il")
# lines 178-194: labelled 'k = i, l != j' again (line 175) but the third case, l = j, as line 194 and line 109 show
decide(182, over(c3, lambda k, l, i, j: jacobian(lambda x: rrms_f(x)[k] * x[k, l] * Gam[k, l], T(X)).numpy()[i, j], Jn),
       "third case (l = j): = d(rrms_k . x_kl . gamma_kl)/dx_ij")
decide(186, over(c3, lambda k, l, i, j: jacobian(lambda x: rrms_f(x)[i] * x[i, l] * Gam[i, l], T(X)).numpy()[i, j], Jn),
       "= d(rrms_i . x_il . gamma_il)/dx_ij")
i0, j0 = 1, 2
print(f"   (line 190 at i = {i0}, l = j = {j0}: the page's product rule gives {prod(i0, j0, i0, j0):.4f}, the Jacobian "
      f"{Jn[i0, j0, i0, j0]:.4f}; with gamma_il in the second term {prod(i0, j0, i0, j0) + rrms[i0] * (Gam[i0, j0] - 1):.4f})")
decide(190, over(c3, prod, Jn), "= d rrms_i/dx_ij . x_il . gamma_il + rrms_i . dx_il/dx_ij: the product rule on "
       "rrms_i . x_il . gamma_il drops gamma_il from the second term; for l = j (dx_il/dx_ij = 1) it gives rrms_i where "
       "rrms_i gamma_ij belongs")
decide(194, over(c3, lambda k, l, i, j: -X[i, j] ** 2 / N * S(i) ** -1.5 * Gam[i, j] + S(i) ** -0.5 * Gam[i, j], Jn),
       "= -(x_ij^2/N) S^(-3/2) . gamma_ij + S^(-1/2) . gamma_ij (the right value: gamma_ij is back)")

# ---- chain rule, first way, lines 201-215
dnorm = lambda i, j: Jn[:, :, i, j]
grid = [(i, j) for i in range(M) for j in range(N)]
allg = lambda fn: all(np.isclose(fn(i, j), dx[i, j]) for i, j in grid)
decide(201, allg(lambda i, j: (G * dnorm(i, j)).sum()), "df/dx_ij = sum_k sum_l df/drmsnorm_kl . drmsnorm_kl/dx_ij")
decide(203, allg(lambda i, j: (G * dnorm(i, j)).sum()), "= sum_k sum_l df_kl . drmsnorm_kl/dx_ij (df_kl the notation)")
decide(205, allg(lambda i, j: (G[i] * Jn[i, :, i, j]).sum()), "= sum_l df_il . drmsnorm_il/dx_ij (only k = i)")
row207 = lambda i, j: (G[i, j] * (1 / rms[i] - X[i, j] ** 2 / (N * rms[i] ** 3)) * Gam[i, j]
                       + sum(G[i, l] * -X[i, l] * X[i, j] / (N * rms[i] ** 3) * Gam[i, l] for l in range(N) if l != j))
decide(207, allg(row207), "= df_ij (1/rms_i - x_ij^2/(N rms_i^3)) gamma_ij + sum_{l != j} df_il (-x_il x_ij/(N rms_i^3)) gamma_il")
# lines 209-215 sum over 'j = 0..N-1' a summand written with l; read literally l stays free
lit209 = lambda i, j, l: G[i, j] / rms[i] * Gam[i, j] - sum(G[i, l] * X[i, l] * X[i, jj] / (N * rms[i] ** 3) * Gam[i, l]
                                                         for jj in range(N))
withl = lambda i, j: G[i, j] / rms[i] * Gam[i, j] - sum(G[i, l] * X[i, l] * X[i, j] / (N * rms[i] ** 3) * Gam[i, l]
                                                       for l in range(N))
print(f"   (lines 209-215: with the sum over l in place of j the expression agrees with autograd: {allg(withl)}; as printed "
      f"(sum over j, l free) it agrees for no l: {[allg(lambda i, j, l=l: lit209(i, j, l)) for l in range(N)]})")
decide(209, any(allg(lambda i, j, l=l: lit209(i, j, l)) for l in range(N)),
       "= df_ij gamma_ij/rms_i - sum_{j=0}^{N-1} df_il x_il x_ij/(N rms_i^3) gamma_il: folding the l = j term into the sum "
       "needs the sum over l; the printed sum runs over j, the entry's own index, and leaves l free")
lit211 = lambda i, j, l: G[i, j] / rms[i] * Gam[i, j] - sum(G[i, l] * X[i, jj] / (N * rms[i] ** 2) * Y[i, l] for jj in range(N))
decide(211, any(allg(lambda i, j, l=l: lit211(i, j, l)) for l in range(N)),
       "= df_ij gamma_ij/rms_i - sum_{j} df_il x_ij/(N rms_i^2) rmsnorm(x_il): the same sum over j (carried)")
lit213 = lambda i, j, l: G[i, j] / rms[i] * Gam[i, j] - X[i, j] / (N * rms[i] ** 2) * sum(G[i, l] * Y[i, l] for jj in range(N))
decide(213, any(allg(lambda i, j, l=l: lit213(i, j, l)) for l in range(N)),
       "= df_ij gamma_ij/rms_i - x_ij/(N rms_i^2) sum_{j} df_il rmsnorm(x_il): the sum over j of a term without j is N "
       "times it, l free (carried)")
lit215 = lambda i, j, l: G[i, j] * rrms[i] * Gam[i, j] - X[i, j] * rrms[i] ** 2 / N * sum(G[i, l] * Y[i, l] for jj in range(N))
decide(215, any(allg(lambda i, j, l=l: lit215(i, j, l)) for l in range(N)),
       "= df_ij rrms_i gamma_ij - x_ij rrms_i^2/N sum_{j} df_il rmsnorm(x_il) (carried)")

# ---- chain rule, second way, lines 221-229
decide(221, allg(lambda i, j: (G * dnorm(i, j)).sum()), "df/dx_ij = sum_k sum_l df/drmsnorm_kl . drmsnorm_kl/dx_ij")
decide(223, allg(lambda i, j: (G * dnorm(i, j)).sum()), "= sum_k sum_l df_kl . drmsnorm_kl/dx_ij")
decide(225, allg(lambda i, j: (G[i] * Jn[i, :, i, j]).sum()), "= sum_l df_il . drmsnorm_il/dx_ij")
row227 = lambda i, j: (G[i, j] * (-X[i, j] ** 2 / N * S(i) ** -1.5 * Gam[i, j] + S(i) ** -0.5 * Gam[i, j])
                       + sum(-X[i, j] / N * S(i) ** -1.5 * X[i, l] * Gam[i, l] for l in range(N) if l != j))
fixed227 = lambda i, j: (G[i, j] * (-X[i, j] ** 2 / N * S(i) ** -1.5 * Gam[i, j] + S(i) ** -0.5 * Gam[i, j])
                         + sum(G[i, l] * -X[i, j] / N * S(i) ** -1.5 * X[i, l] * Gam[i, l] for l in range(N) if l != j))
print(f"   (line 227: max |printed - autograd| = {max(abs(row227(i, j) - dx[i, j]) for i, j in grid):.3f}; with df_il in "
      f"the sum over l != j it agrees: {allg(fixed227)})")
decide(227, allg(row227), "= df_ij [ ... ] + sum_{l != j} [-(x_ij/N) S^(-3/2) x_il gamma_il]: the terms l != j lost their "
       "upstream factor df_il")
decide(229, allg(lambda i, j: G[i, j] * S(i) ** -0.5 * Gam[i, j]
                 - X[i, j] / N * sum(S(i) ** -1.5 * G[i, l] * X[i, l] * Gam[i, l] for l in range(N))),
       "= df_ij S^(-1/2) gamma_ij - (x_ij/N) sum_l S^(-3/2) df_il x_il gamma_il against autograd")
finish()
