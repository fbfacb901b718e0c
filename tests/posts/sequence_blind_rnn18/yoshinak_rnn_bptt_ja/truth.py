"""Independent truth for tests/posts/sequence_blind_rnn18/yoshinak_rnn_bptt_ja (NumPy and torch, no derive).

yoshinak's report '(day3) Section 1: 再帰型ニューラルネットワークの構造' (yoshinak/study-ai-stage-4, day_3_1_rnn.ipynb
at commit 0813ba2), its markdown cells from '### 1-2 BPTT' to the end of '1-2-3 BPTT の全体像'. The report's own
network, column vectors: u^t = W_(in) x^t + W z^{t-1} + b, z^t = f(u^t), v^t = W_(out) z^t + c, y^t = g(v^t),
E^t = loss(y^t, d^t) (line 383). The report's code (dropped cells) takes f = g = sigmoid; the loss is left open, here the
half squared error 1/2 ||y^t - d^t||^2 (delta^{out,t} = dE/dv^t is defined on line 182, so its form does not enter a
verdict). Every check is run twice, with f = sigmoid and with f = tanh, and must hold for both. E is read as E^t, the
error of one step t sent back through time (line 383 is the report's only definition of E; its delta^t = f'(u^t)
W_(out)^T delta^{out,t} and its sums over z = 0..T_t are those of one step's error), and every check runs over
t = 1..T. D = H = 3 (so the x^{t-1} of line 100 and the W_(in)^t of line 338 are compared by value, not only by shape),
K = 2, T = 4, random inputs, targets and a random initial state z^0.

References from torch autograd in float64: dE^t/du^k for every k <= t (delta^k of step t's error), dE^t/dv^t
(delta^{out,t}), the gradient of E^t with respect to the shared W_(in), W, b, W_(out), c and with respect to step k's own
copy of W_(in), W, b (step k's share), and the Jacobians du^t/du^{t-1}, du^t/dz^{t-1}, dz^k/du^k, dv^t/du^t, du^t/db,
dv^t/dc from torch.autograd.functional.jacobian (numerator layout). A product of partials is the product of Jacobians
in the printed order, delta written to the left as a row; f'(u) standing beside a matrix is diag(f'(u)); '= 1' for
du^t/db and dv^t/dc is the identity. A one-t line for the gradient of a shared weight (lines 21, 71, 91) is read as
step t's share, as in sequence_blind_rnn7 (bn3monkey). The middle members [du^t/dW]^T of lines 18, 45, 68 use a
bracket the report says is not a transpose but 'computed back through time' (line 26) and are left unchecked. The
update displays are judged on their second members (the first member is the gradient step itself), with eps = 0.1 and
the upper limit T_t read as t - 1 (back to the first step). An index range is read literally: a line that needs x^0,
u^0 or z^{-1} is checked from the first t where it is defined.
"""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rng = np.random.default_rng(1818)
D, H, K, T = 3, 3, 2, 4
EPS = 0.1
P = {"Win": rng.normal(0, 0.8, (H, D)), "W": rng.normal(0, 0.8, (H, H)), "b": rng.normal(0, 0.5, H),
     "Wout": rng.normal(0, 0.9, (K, H)), "c": rng.normal(0, 0.5, K)}
X = {t: rng.normal(0, 1.0, D) for t in range(1, T + 1)}
DT = {t: rng.uniform(0.1, 0.9, K) for t in range(1, T + 1)}
Z0 = rng.normal(0, 0.7, H)
TS = range(1, T + 1)
STEP = ("Win", "W", "b")          # the weights of the recurrent step, one copy per step for the shares
ACTS = {"sigmoid": (torch.sigmoid, lambda u: 1 / (1 + np.exp(-u)) * (1 - 1 / (1 + np.exp(-u)))),
        "tanh": (torch.tanh, lambda u: 1 - np.tanh(u) ** 2)}


def run(f, Win, W, b, Wout, c, copies=None):
    """Forward pass from z^0; copies[k] = (Win_k, W_k, b_k) replaces the shared step weights at step k."""
    u, z, v, y, E = {}, {0: Tt(Z0)}, {}, {}, {}
    for t in TS:
        wi, w, bb = copies[t] if copies else (Win, W, b)
        u[t] = wi @ Tt(X[t]) + w @ z[t - 1] + bb
        z[t] = f(u[t])
        v[t] = Wout @ z[t] + c
        y[t] = torch.sigmoid(v[t])                                   # g = sigmoid
        E[t] = 0.5 * ((y[t] - Tt(DT[t])) ** 2).sum()
    return u, z, v, y, E


def references(f, fprime):
    R = {"fp": fprime}
    shared = {k: Tt(v).requires_grad_() for k, v in P.items()}
    u, z, v, y, E = run(f, **shared)
    R.update(u={t: nv(a) for t, a in u.items()}, z={t: nv(a) for t, a in z.items()},
             v={t: nv(a) for t, a in v.items()}, y={t: nv(a) for t, a in y.items()}, E={t: nv(a) for t, a in E.items()})
    # full gradients of E^t with respect to the shared weights
    R["full"] = {t: dict(zip(P, map(nv, torch.autograd.grad(E[t], list(shared.values()), retain_graph=True))))
                 for t in TS}
    # delta^k of step t's error (k <= t) and delta^{out,t}
    R["delta"] = {t: dict(zip(range(1, t + 1), map(nv, torch.autograd.grad(E[t], [u[k] for k in range(1, t + 1)],
                                                                            retain_graph=True)))) for t in TS}
    R["dout"] = {t: nv(torch.autograd.grad(E[t], v[t], retain_graph=True)[0]) for t in TS}
    # step k's share: the gradient with respect to step k's own copy of W_(in), W, b
    copies = {k: tuple(Tt(P[n]).requires_grad_() for n in STEP) for k in TS}
    _, _, _, _, Ec = run(f, *(Tt(P[n]) for n in P), copies=copies)
    R["share"] = {t: {k: dict(zip(STEP, map(nv, torch.autograd.grad(Ec[t], copies[k], retain_graph=True,
                                                                       allow_unused=True))))
                      for k in range(1, t + 1)} for t in TS}
    PT = {k: Tt(a) for k, a in P.items()}
    R["J_uu"] = {t: nv(jacobian(lambda up: PT["Win"] @ Tt(X[t]) + PT["W"] @ f(up) + PT["b"], Tt(R["u"][t - 1])))
                 for t in range(2, T + 1)}
    R["J_uz"] = {t: nv(jacobian(lambda zp: PT["Win"] @ Tt(X[t]) + PT["W"] @ zp + PT["b"], Tt(R["z"][t - 1])))
                 for t in TS}
    R["J_zu"] = {k: nv(jacobian(f, Tt(R["u"][k]))) for k in TS}
    R["J_vu"] = {t: nv(jacobian(lambda uu: PT["Wout"] @ f(uu) + PT["c"], Tt(R["u"][t]))) for t in TS}
    R["J_ub"] = {t: nv(jacobian(lambda bb: PT["Win"] @ Tt(X[t]) + PT["W"] @ Tt(R["z"][t - 1]) + bb, PT["b"]))
                 for t in TS}
    R["J_vc"] = {t: nv(jacobian(lambda cc: PT["Wout"] @ Tt(R["z"][t]) + cc, PT["c"])) for t in TS}
    # the forward pass is the one the report writes: u^t, z^t = f(u^t), v^t, y^t = g(v^t), checked by NumPy
    npf = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "tanh": np.tanh}[[k for k, v in ACTS.items() if v[0] is f][0]]
    R["npf"] = npf
    return R


REFS = {name: references(f, fp) for name, (f, fp) in ACTS.items()}
sig = lambda a: 1 / (1 + np.exp(-a))


def holds(check):
    """check(R) for both activations f = sigmoid and f = tanh."""
    return all(check(R) for R in REFS.values())


U = lambda R, t: R["u"][t]
Zs = lambda R, t: R["z"][t]
dg = lambda R, k: np.diag(R["fp"](R["u"][k]))
Win, W, b, Wout, c = (P[k] for k in ("Win", "W", "b", "Wout", "c"))

# ---------------------------------------------------------------- 1: the derivatives of the weights and biases
unchecked(18, "[du^t/dW_(in)]^T: the report says the bracket is not a transpose but 'computed back through time' "
              "(line 26); the member has no definite value")
decide(21, holds(lambda R: all(close(np.outer(R["delta"][t][t], X[t]), R["share"][t][t]["Win"]) for t in TS)),
       "delta^t [x^t]^T, the outer product, is step t's share of dE^t/dW_(in)")
unchecked(45, "[dv^t/dW_(out)]^T, the bracket of line 26")
decide(48, holds(lambda R: all(close(np.outer(R["dout"][t], Zs(R, t)), R["full"][t]["Wout"]) for t in TS)),
       "delta^{out,t} [z^t]^T is dE^t/dW_(out): W_(out) reaches E^t only through v^t")
unchecked(68, "[du^t/dW]^T, the bracket of line 26")
decide(71, holds(lambda R: all(close(np.outer(R["delta"][t][t], Zs(R, t - 1)), R["share"][t][t]["W"]) for t in TS)),
       "delta^t [z^{t-1}]^T is step t's share of dE^t/dW")
decide(89, holds(lambda R: all(close(R["delta"][t][t] @ R["J_ub"][t], R["share"][t][t]["b"]) for t in TS)),
       "dE/du^t du^t/db, the row delta^t times the identity, is step t's share of dE^t/db")
decide(91, holds(lambda R: all(close(R["delta"][t][t], R["share"][t][t]["b"]) for t in TS)),
       "delta^t is step t's share of dE^t/db")
decide(96, holds(lambda R: all(close(R["J_ub"][t], np.eye(H)) for t in TS)), "du^t/db is the identity ('= 1')")
print(f"   (line 100 with z^{{t-1}} would be right: "
      f"{holds(lambda R: all(close(Win @ X[t] + W @ Zs(R, t - 1) + b, U(R, t)) for t in TS))})")
decide(100, holds(lambda R: all(close(Win @ X[t] + W @ X[t - 1] + b, U(R, t)) for t in range(2, T + 1))),
       "u^t = W_(in) x^t + W x^{t-1} + b puts the previous input x^{t-1} where the previous state z^{t-1} belongs "
       "(checked from t = 2, where x^{t-1} exists)")
decide(112, holds(lambda R: all(close(R["dout"][t] @ R["J_vc"][t], R["full"][t]["c"]) for t in TS)),
       "dE/dv^t dv^t/dc is dE^t/dc")
decide(114, holds(lambda R: all(close(R["dout"][t], R["full"][t]["c"]) for t in TS)), "delta^{out,t} is dE^t/dc")
decide(119, holds(lambda R: all(close(R["J_vc"][t], np.eye(K)) for t in TS)), "dv^t/dc is the identity ('= 1')")

# ---------------------------------------------------------------- 2: the forward pass restated
decide(127, holds(lambda R: all(close(U(R, t), Win @ X[t] + W @ Zs(R, t - 1) + b) for t in TS)),
       "u^t, the pre-activation the truth builds")
decide(141, holds(lambda R: all(close(Zs(R, t), R["npf"](Win @ X[t] + W @ Zs(R, t - 1) + b)) for t in TS)),
       "z^t = f(W_(in) x^t + W z^{t-1} + b)")
decide(149, holds(lambda R: all(close(R["v"][t], Wout @ Zs(R, t) + c) for t in TS)), "v^t = W_(out) z^t + c")
decide(157, holds(lambda R: all(close(R["y"][t], sig(Wout @ Zs(R, t) + c)) for t in TS)),
       "y^t = g(W_(out) z^t + c), g = sigmoid")

# ---------------------------------------------------------------- 3: delta^t and its recursion
decide(166, holds(lambda R: all(close(R["dout"][t] @ R["J_vu"][t], R["delta"][t][t]) for t in TS)),
       "dE^t/dv^t dv^t/du^t is dE^t/du^t: u^t reaches E^t only through v^t (E read as E^t)")
decide(174, holds(lambda R: all(close(R["dout"][t] @ R["J_vu"][t], R["delta"][t][t]) for t in TS)),
       "v^t = W_(out) f(u^t) + c, the same product")
decide(177, holds(lambda R: all(close(dg(R, t) @ Wout.T @ R["dout"][t], R["delta"][t][t]) for t in TS)),
       "diag(f'(u^t)) W_(out)^T delta^{out,t} is dE^t/du^t")
decide(214, holds(lambda R: all(close(R["delta"][t][t] @ R["J_uu"][t], R["delta"][t][t - 1]) for t in range(2, T + 1))),
       "u^{t-1} reaches E^t only through u^t: the row delta^t times du^t/du^{t-1} is delta^{t-1}")
decide(220, holds(lambda R: all(close(U(R, t), Win @ X[t] + W @ Zs(R, t - 1) + b) for t in TS)), "u^t restated")
decide(222, holds(lambda R: all(close(U(R, t), Win @ X[t] + W @ R["npf"](U(R, t - 1)) + b) for t in range(2, T + 1))),
       "z^{t-1} = f(u^{t-1}) (from t = 2: z^0 is the initial state, no u^0)")
decide(234, holds(lambda R: all(close(R["delta"][t][t] @ R["J_uz"][t] @ R["J_zu"][t - 1], R["delta"][t][t - 1])
                                for t in range(2, T + 1))),
       "delta^t (du^t/dz^{t-1})(dz^{t-1}/du^{t-1}), the chain through z^{t-1}")
decide(239, holds(lambda R: all(close(R["delta"][t][t] @ W @ dg(R, t - 1), R["delta"][t][t - 1])
                                for t in range(2, T + 1))),
       "delta^t W f'(u^{t-1}), the row delta^t times W times diag(f'(u^{t-1}))")
decide(252, holds(lambda R: all(close(R["J_uz"][t], W) for t in TS)),
       "the derivative of W_(in) x^t + W z^{t-1} + b with respect to z^{t-1}")
decide(253, holds(lambda R: all(close(R["J_uz"][t], W) for t in TS)), "du^t/dz^{t-1} = W")
decide(264, holds(lambda R: all(close(R["J_zu"][k], dg(R, k)) for k in TS)), "the derivative of f(u^{t-1})")
decide(266, holds(lambda R: all(close(R["J_zu"][k], dg(R, k)) for k in TS)),
       "dz^{t-1}/du^{t-1} = f'(u^{t-1}), read as diag(f'(u^{t-1}))")
decide(278, holds(lambda R: all(close(R["delta"][t][t - z] @ W @ dg(R, t - z - 1), R["delta"][t][t - z - 1])
                                for t in TS for z in range(0, t - 1))),
       "delta^{t-z-1} = delta^{t-z} W f'(u^{t-z-1}) for every z back to the first step")


# ---------------------------------------------------------------- 4: the updates (second members)
def total(R, t, rows):
    return sum(rows(R, t, z) for z in range(0, t))          # z = 0..T_t, T_t read as t - 1


decide(300, holds(lambda R: all(close(Win - EPS * total(R, t, lambda R, t, z: np.outer(R["delta"][t][t - z], X[t - z])),
                                      Win - EPS * R["full"][t]["Win"]) for t in TS)),
       "sum_z delta^{t-z} [x^{t-z}]^T over z = 0..t-1 is dE^t/dW_(in)")
decide(318, holds(lambda R: all(close(Wout - EPS * np.outer(R["dout"][t], Zs(R, t)), Wout - EPS * R["full"][t]["Wout"])
                                for t in TS)), "W_(out) - eps delta^{out,t} [z^t]^T, no sum needed")
grad_W = lambda R, t: total(R, t, lambda R, t, z: np.outer(R["delta"][t][t - z], Zs(R, t - z - 1)))
print(f"   (line 338's sum is dE^t/dW: {holds(lambda R: all(close(grad_W(R, t), R['full'][t]['W']) for t in TS))}; "
      f"with W^t in front the line would be right)")
decide(338, holds(lambda R: all(close(Win - EPS * grad_W(R, t), W - EPS * R["full"][t]["W"]) for t in TS)),
       "W^{t+1} = W^t - eps dE/dW, but the second member starts from W_(in)^t, the input weight, where W^t belongs")
decide(362, holds(lambda R: all(close(b - EPS * total(R, t, lambda R, t, z: R["delta"][t][t - z]),
                                      b - EPS * R["full"][t]["b"]) for t in TS)), "sum_z delta^{t-z} is dE^t/db")
decide(375, holds(lambda R: all(close(c - EPS * R["dout"][t], c - EPS * R["full"][t]["c"]) for t in TS)),
       "c - eps delta^{out,t}, no sum needed")

# ---------------------------------------------------------------- 1-2-3: E^t written out
decide(383, holds(lambda R: all(close(R["E"][t], 0.5 * np.sum((R["y"][t] - DT[t]) ** 2)) for t in TS)),
       "E^t = loss(y^t, d^t), the half squared error the truth takes")
WoutW = Wout @ W
print(f"   (line 384: W_(out) W has shape {WoutW.shape}, v^t has shape {(K,)})")
decide(384, WoutW.shape == (K,) and holds(lambda R: all(close(0.5 * np.sum((sig(WoutW + c) - DT[t]) ** 2), R["E"][t])
                                                        for t in TS)),
       "g(W_(out) W + c): W_(out) W is a K x H matrix where the K-vector W_(out) z^t + c belongs (z^t written as W)")
decide(392, holds(lambda R: all(close(0.5 * np.sum((sig(Wout @ R["npf"](Win @ X[t] + W @ Zs(R, t - 1) + b) + c) - DT[t])
                                                   ** 2), R["E"][t]) for t in TS)),
       "loss(g(W_(out) f(W_(in) x^t + W z^{t-1} + b) + c), d^t) is E^t")
decide(410, holds(lambda R: all(close(Win @ X[t] + W @ R["npf"](U(R, t - 1)) + b, U(R, t)) for t in range(2, T + 1))),
       "the inside of f with z^{t-1} = f(u^{t-1}) (from t = 2)")
decide(423, holds(lambda R: all(close(Win @ X[t] + W @ R["npf"](Win @ X[t - 1] + W @ Zs(R, t - 2) + b) + b, U(R, t))
                                for t in range(2, T + 1))),
       "one more step unrolled: u^{t-1} = W_(in) x^{t-1} + W z^{t-2} + b (from t = 2, z^0 the initial state)")
finish()
