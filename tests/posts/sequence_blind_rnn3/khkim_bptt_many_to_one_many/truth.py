"""Independent truth for tests/posts/sequence_blind_rnn3/khkim_bptt_many_to_one_many (NumPy and torch, no derive).

The post's recurrence is abstract, h_t = f(x_t, h_{t-1}; psi), y^ = g(h_T; phi) (many to one) or y^_t = g(h_t; phi)
(many to many), L = ||y^ - y|| or sum_t ||y^_t - y_t||, T = 4. It is instantiated as the usual cell,
f = tanh(W x_t + U h_{t-1} + b) with psi = (W, U, b) and g(h) = V h + c with phi = (V, c), from a random nonzero
h_0, H = 3 hidden units, D = 2 inputs, K = 2 outputs; ||.|| the Euclidean norm. psi and phi are handled as flat
vectors, so every factor the post multiplies is a Jacobian from torch.autograd.functional.jacobian (float64):
dL/dy^, dy^/dh_4, dh_{i+1}/dh_i (every path of h_{i+1} through h_i), and dh_k/dpsi the immediate part of step k
(h_{k-1} held fixed), which is what the expansions need (the post writes the same symbol for it). Products of
Jacobians are taken in the chain's order (prod_{i=t}^{T-1} dh_{i+1}/dh_i read as dh_T/dh_{T-1} ... dh_{t+1}/dh_t,
the order of the expanded lines above it); the references are autograd's dL/dpsi and dL/dphi."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(11)
H, D, K, T = 3, 2, 2, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
sizes = (H * D, H * H, H)
psi0 = Tt(np.concatenate([rng.normal(0, 0.9, H * D), rng.normal(0, 1.3, H * H), rng.normal(0, 0.3, H)]))
phi0 = Tt(np.concatenate([rng.normal(0, 0.9, K * H), rng.normal(0, 0.3, K)]))
xs = [None] + [Tt(rng.normal(size=D)) for _ in range(T)]
ys = [None] + [Tt(rng.normal(size=K)) for _ in range(T)]
h0 = Tt(rng.normal(0, 0.5, H))


def unpack(psi):
    W, U, b = torch.split(psi, sizes)
    return W.reshape(H, D), U.reshape(H, H), b


def f(psi, hp, t):
    W, U, b = unpack(psi)
    return torch.tanh(W @ xs[t] + U @ hp + b)


def g(phi, h):
    return phi[:K * H].reshape(K, H) @ h + phi[K * H:]


def states(psi):
    hs = [h0]
    for t in range(1, T + 1):
        hs.append(f(psi, hs[-1], t))
    return hs


hs = states(psi0)
L1 = lambda psi, phi: torch.linalg.norm(g(phi, states(psi)[T]) - ys[T])                      # many to one
L2 = lambda psi, phi: sum(torch.linalg.norm(g(phi, h) - ys[t]) for t, h in enumerate(states(psi)) if t)
J = lambda fn, v: jacobian(fn, v).numpy()
close = lambda a, b: np.allclose(a, b, atol=1e-12)

dh_dpsi = {k: J(lambda p, k=k: f(p, hs[k - 1], k), psi0) for k in range(1, T + 1)}       # immediate part of step k
dstep = {i: J(lambda h, i=i: f(psi0, h, i + 1), hs[i]) for i in range(1, T)}              # dh_{i+1}/dh_i


def chain(t_hi, t_lo):                                   # dh_{t_hi}/dh_{t_lo} = dh_thi/dh_thi-1 ... dh_tlo+1/dh_tlo
    M = np.eye(H)
    for i in range(t_hi - 1, t_lo - 1, -1):
        M = M @ dstep[i]
    return M


dgdh = J(lambda h: g(phi0, h), hs[T])                    # dy^/dh (g is linear, the same at every step)
dgdphi = {t: J(lambda p, t=t: g(p, hs[t]), phi0) for t in range(1, T + 1)}

decide(6, True, "h_t = f(x_t, h_{t-1}; psi), the recurrence (definition; here tanh(W x + U h + b))")
decide(7, True, "y^ = g(h_T; phi), the read-out of the last state (definition; here V h + c)")
decide(10, True, "L = ||y^ - y|| (definition)")

# many to one
dLdy = J(lambda yy: torch.linalg.norm(yy - ys[T]), g(phi0, hs[T]).detach())
g_phi, g_psi = J(lambda p: L1(psi0, p), phi0), J(lambda p: L1(p, phi0), psi0)
decide(16, close(dLdy @ dgdphi[T], g_phi), "dL/dphi = dL/dy^ dy^/dphi (phi enters y^ only)")
terms = [dLdy @ dgdh @ chain(T, k) @ dh_dpsi[k] for k in range(T, 0, -1)]                  # the four printed terms
decide(20, close(sum(terms), g_psi), "the four paths, dh_4/dpsi + dh_4/dh_3 dh_3/dpsi + ... down to dh_1/dpsi, "
       "each dh_k/dpsi the immediate part of step k")
asc = sum(dLdy @ dgdh @ np.linalg.multi_dot([np.eye(H)] + [dstep[i] for i in range(t, T)] + [np.eye(H)]) @ dh_dpsi[t]
          for t in range(1, T + 1))
print(f"   (the product taken in the printed ascending order i = t..T-1 instead: {close(asc, g_psi)})")
decide(24, close(sum(dLdy @ dgdh @ chain(T, t) @ dh_dpsi[t] for t in range(1, T + 1)), g_psi),
       "sum_t dL/dy^ dy^/dh_4 (prod_{i=t}^{T-1} dh_{i+1}/dh_i) dh_t/dpsi, the product in the chain's order (empty for t = T)")

# many to many
decide(35, True, "the same recurrence")
decide(36, True, "y^_t = g(h_t; phi) at every step (definition)")
decide(39, True, "L = sum_t ||y^_t - y_t|| (definition)")
decide(44, True, "the loss restated")
dLdyt = {t: J(lambda yy, t=t: torch.linalg.norm(yy - ys[t]), g(phi0, hs[t]).detach()) for t in range(1, T + 1)}
G_phi, G_psi = J(lambda p: L2(psi0, p), phi0), J(lambda p: L2(p, phi0), psi0)
decide(46, close(sum(dLdyt[t] @ dgdphi[t] for t in range(1, T + 1)), G_phi), "dL/dphi = sum_t dL/dy^_t dy^_t/dphi")
rows = {t: [dLdyt[t] @ dgdh @ chain(t, k) @ dh_dpsi[k] for k in range(t, 0, -1)] for t in range(T, 0, -1)}
print(f"   (terms per row, as printed: {[len(rows[t]) for t in range(T, 0, -1)]})")
decide(52, close(sum(sum(r) for r in rows.values()), G_psi), "the ten paths of lines 52-61: each loss L_t through "
       "h_t back to every h_k, k <= t")
decide(62, close(sum(dLdyt[t] @ dgdh @ chain(t, k) @ dh_dpsi[k] for t in range(1, T + 1) for k in range(1, t + 1)),
                 G_psi), "sum_t sum_{k<=t} dL/dy^_t dy^_t/dh_t (prod_{i=k}^{t-1} dh_{i+1}/dh_i) dh_k/dpsi")
decide(76, close(sum(dLdy @ dgdh @ chain(T, t) @ dh_dpsi[t] for t in range(1, T + 1)), g_psi),
       "the many-to-one formula restated")
norms = [np.linalg.norm(dstep[i], 2) for i in range(1, T)]
entries = max(np.abs(dstep[i]).max() for i in range(1, T))
print(f"   (spectral norms of dh_(t+1)/dh_t here: {[round(float(v), 3) for v in norms]}; largest entry {entries:.3f}; "
      f"||U|| = {np.linalg.norm(unpack(psi0)[1].numpy(), 2):.3f})")
decide(84, max(norms) <= 1, "dh_{t+1}/dh_t = diag(f') U (here tanh, f' <= 1) is not bounded by 1: its spectral norm "
       "exceeds 1 here (and whenever the recurrent weights are large enough); f' <= 1 bounds only the diagonal factor")
finish()
