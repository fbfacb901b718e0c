"""Independent truth for tests/posts/conv/juangriffin121_obsidian_layer_norm (NumPy and torch, no derive).

Layer normalization of one vector X of N = 5 components (indices 0..N-1), population sigma, no epsilon, shared
scalar gamma and beta: Z = (X - mu)/sigma, Y = gamma Z + beta; E = sum_i c_i Y_i for random c. References:
torch autograd for dE/dX, dE/dgamma, dE/dbeta and the Jacobians dZ/dX, dsigma/dX. Every printed expression is
evaluated as written; a sum 'from i = 0 to N' over N components is read literally (N + 1 indices)."""
import numpy as np
import torch
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(8)
N = 5
X = rng.normal(1.0, 2.0, size=N); gamma, beta = 1.4, -0.3; c = rng.normal(size=N)
Xt = torch.tensor(X, requires_grad=True); gt = torch.tensor(gamma, dtype=torch.float64, requires_grad=True)
bt = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
mu_t = Xt.mean(); sig_t = torch.sqrt(((Xt - mu_t) ** 2).mean())
Zt = (Xt - mu_t) / sig_t; Yt = gt * Zt + bt; Yt.retain_grad()
(torch.tensor(c) * Yt).sum().backward()
dEdY, dEdX, dEdg, dEdb = Yt.grad.numpy(), Xt.grad.numpy(), gt.grad.item(), bt.grad.item()
layer_norm = lambda a: (a - a.mean()) / torch.sqrt(((a - a.mean()) ** 2).mean())
JZ = torch.autograd.functional.jacobian(layer_norm, torch.tensor(X)).numpy()          # JZ[i, j] = dZ_i/dX_j
Jsig = torch.autograd.functional.jacobian(lambda a: torch.sqrt(((a - a.mean()) ** 2).mean()), torch.tensor(X)).numpy()
mu, sig = X.mean(), X.std(); Z = (X - mu) / sig; d = np.eye(N)
terms = len(range(0, N + 1))                     # sum_{i=0}^{N}: N + 1 indices for N components

decide(2, terms == N, f"sum_(i=0)^(N) has {terms} terms, X has N = {N} components (X_N does not exist)")
decide(3, terms == N, "the same 0..N range inside sigma")
decide(5, np.allclose(Z, (layer_norm(torch.tensor(X))).numpy()), "Z_i = (X_i - mu)/sigma")
decide(7, np.allclose(gamma * Z + beta, Yt.detach().numpy()), "Y_i = gamma Z_i + beta")
decide(12, np.allclose(dEdY @ (gamma * d) @ JZ, dEdX), "Einstein sums: dE/dY_i gamma delta_ki dZ_k/dX_j = autograd dE/dX_j")
t0, h = 0.7, 1e-6
f_, g_ = np.sin, lambda t: 2 + np.cos(t)
lhs = (f_(t0 + h) / g_(t0 + h) - f_(t0 - h) / g_(t0 - h)) / (2 * h)
decide(13, np.isclose(lhs, (g_(t0) * np.cos(t0) - f_(t0) * -np.sin(t0)) / g_(t0) ** 2), "the quotient rule, by central differences of sin t/(2 + cos t)")
decide(14, np.allclose((sig * (d - 1 / N) - np.outer(X - mu, Jsig)) / sig ** 2, JZ),
       "quotient rule applied to (X_i - mu)/sigma, with autograd's dsigma/dX_j")
decide(15, np.allclose(d - 1 / N, torch.autograd.functional.jacobian(lambda a: a - a.mean(), torch.tensor(X)).numpy()),
       "d(X_i - mu)/dX_j = delta_ij - 1/N")
# line 16: each step right with the N components, but its sums run over i = 0..N
right16 = np.array([(1 / (2 * N * sig)) * np.sum(2 * (X - mu) * (d[:, j] - 1 / N)) for j in range(N)])
print(f"   (line 16 over the N components: {np.allclose(right16, Jsig)}; the printed range is 0..N)")
decide(16, np.allclose(right16, Jsig) and terms == N, "the chain is right only over 0..N-1; the printed sums run over 0..N")
# line 18, as printed: 2(X_j - mu) - sum_i (2/N)(X_j - mu), then (X_j-mu)/(N sigma) - (2/N) sum_i (X_j - mu)
j = 1
step2 = 1 / (2 * N * sig) * (2 * (X[j] - mu) - sum(2 / N * (X[j] - mu) for i in range(N)))
step3 = (X[j] - mu) / (N * sig) - 2 / N * sum((X[j] - mu) for i in range(N))
decide(18, np.isclose(step2, Jsig[j]) and np.isclose(step3, Jsig[j]),
       f"middle steps give {step2:.4f} and {step3:.4f}; dsigma/dX_j = {Jsig[j]:.4f} (X_j written for X_i inside the sums, "
       "and the 1/(2N sigma) factor dropped from the second term)")
decide(19, np.allclose(Z / N, Jsig), "dsigma/dX_j = Z_j/N against autograd")
forms20 = [(sig * (d - 1 / N) - np.outer(X - mu, Z / N)) / sig ** 2,
           ((d - 1 / N) - 1 / N * np.outer((X - mu) / sig, Z)) / sig,
           (d - 1 / N - 1 / N * np.outer(Z, Z)) / sig,
           (d - 1 / N * (np.outer(Z, Z) + 1)) / sig]
decide(20, all(np.allclose(F_, JZ) for F_ in forms20), "all four forms of dZ_i/dX_j against autograd")
decide(22, np.allclose(dEdY @ (gamma * (d - 1 / N * (np.outer(Z, Z) + 1)) / sig), dEdX), "dE/dX_j against autograd")
matrix23 = gamma * (np.eye(N) - 1 / N * (np.outer(Z, Z) + np.ones((N, N)))) @ dEdY
decide(23, np.allclose(matrix23, dEdX), f"gamma (I - (ZZ^T + 1)/N) dE/dY is sigma = {sig:.3f} times autograd's dE/dX: the "
       "1/sigma is missing")
decide(26, np.isclose(dEdY @ Z, dEdg), "dE/dgamma = dE/dY . Z")
decide(28, np.isclose(dEdY.sum(), dEdb) and terms == N, "dE/dbeta is the sum of dE/dY_i over the N outputs; the printed "
       "sum runs from 0 to shape(Y) = N")

finish()
