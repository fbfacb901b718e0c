"""Independent truth for tests/posts/sequence_blind_rnn24/jaspock_elman_rtrl_bptt_es (NumPy and torch, no derive).

jaspock/mtextos2223, mtextos/bloque2_recurrent.md at commit 787d3c9 ('Redes neuronales recurrentes', Spanish course
notes in MyST Markdown). The post's Elman network, index form (lines 4-9):
  X_i[t] = sum_j W^{x,u}_{i,j} u_j[t] + sum_j W^{x,x}_{i,j} x_j[t-1] + W^x_i,  x_i[t] = g_X(X_i[t]),
  Y_i[t] = sum_j W^{y,x}_{i,j} x_j[t] + W^y_i,                                 y_i[t] = g_Y(Y_i[t]),
and the error of one instant, E[t] = 1/2 sum_i (d_i[t] - y_i[t])^2 (line 17). The update is defined on lines 23-30 as
Delta W = W[n+1] - W[n] = -alpha dE/dW. g_X and g_Y are left open ('por ejemplo, sigmoideas'); two cases are run and
must give the same verdicts: 'spec' (g_X = tanh, g_Y = logistic, one-hot inputs, x[0] = 0 as the post says is usual)
and 'random' (g_X = logistic, g_Y = tanh, random real inputs and a random x[0]). n_U = 3, n_X = 4, n_Y = 2, T = 4.

References from torch autograd in float64: dE[t]/dtheta for every parameter and every t (E[t] alone, as the post
derives it), dE[t]/dY[t] and dE[t]/dX[tau] for tau <= t, the sensitivities dx_i[t]/dtheta and dy_l[t]/dtheta through
every earlier step (torch.autograd.functional.jacobian of x[t] or y[t] in the whole weight). The RTRL recursions
(lines 92, 96, 100) are checked locally: their right side with the true X[t], x[t-1], u[t] and the true sensitivities
at t-1, against the true sensitivity at t, every index and every t. Readings: delta_{i,j} is Kronecker's delta; Box
stands for any one weight or bias; Delta W[t] on lines 110-114 is the update the error E[t] of instant t calls for.
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
rng = np.random.default_rng(2223)
nU, nX, nY, T = 3, 4, 2, 4
TS = range(1, T + 1)
ALPHA = 0.1
P = {"Wxu": rng.normal(0, 0.8, (nX, nU)), "Wxx": rng.normal(0, 0.6, (nX, nX)), "Wx": rng.normal(0, 0.3, nX),
     "Wyx": rng.normal(0, 0.9, (nY, nX)), "Wy": rng.normal(0, 0.3, nY)}
logistic = torch.sigmoid
ACT = {"tanh": (torch.tanh, lambda v: 1 - np.tanh(v) ** 2),
       "logistic": (logistic, lambda v: (1 / (1 + np.exp(-v))) * (1 - 1 / (1 + np.exp(-v))))}
CASES = {
    "spec": dict(gX="tanh", gY="logistic", x0=np.zeros(nX),
                 U={t: np.eye(nU)[i] for t, i in zip(TS, [0, 1, 2, 1])},
                 D={t: np.array([0.3, 0.7]) if t == T else rng.uniform(0, 1, nY) for t in TS}),
    "random": dict(gX="logistic", gY="tanh", x0=rng.normal(0, 0.5, nX),
                   U={t: rng.normal(0, 1.0, nU) for t in TS}, D={t: rng.uniform(-0.8, 0.8, nY) for t in TS}),
}


def forward(c, p):
    """X[t], x[t], Y[t], y[t] of lines 4-9 (x[0] given)."""
    gX, gY = ACT[c["gX"]][0], ACT[c["gY"]][0]
    X, x, Y, y = {}, {0: Tt(c["x0"])}, {}, {}
    for t in TS:
        X[t] = p["Wxu"] @ Tt(c["U"][t]) + p["Wxx"] @ x[t - 1] + p["Wx"]
        x[t] = gX(X[t])
        Y[t] = p["Wyx"] @ x[t] + p["Wy"]
        y[t] = gY(Y[t])
    return X, x, Y, y


def E(c, y, t):
    return 0.5 * ((Tt(c["D"][t]) - y[t]) ** 2).sum()


def reference(c):
    Rf = dict(c)
    PT = {k: Tt(v) for k, v in P.items()}
    X, x, Y, y = forward(c, PT)
    Rf.update(X={t: nv(v) for t, v in X.items()}, x={t: nv(v) for t, v in x.items()},
              Y={t: nv(v) for t, v in Y.items()}, y={t: nv(v) for t, v in y.items()})
    Rf["dE"], Rf["dE_Y"], Rf["dE_X"] = {}, {}, {}
    for t in TS:
        leaf = {k: Tt(v).requires_grad_(True) for k, v in P.items()}
        Xl, _, Yl, yl = forward(c, leaf)
        for v in list(Xl.values()) + list(Yl.values()):
            v.retain_grad()
        E(c, yl, t).backward()
        Rf["dE"][t] = {k: nv(v.grad) for k, v in leaf.items()}
        Rf["dE_Y"][t] = nv(Yl[t].grad)
        Rf["dE_X"][t] = {tau: nv(Xl[tau].grad) for tau in range(1, t + 1)}
    # sensitivities through every earlier step: Sx[k][t][i, ...] = dx_i[t]/dW_k, Sy[k][t][l, ...] = dy_l[t]/dW_k
    Rf["Sx"], Rf["Sy"] = {}, {}
    for k in P:
        def along(name, t, k=k):
            return lambda w: forward(c, {**PT, k: w})[{"x": 1, "y": 3}[name]][t]
        Rf["Sx"][k] = {0: np.zeros((nX,) + P[k].shape)}
        Rf["Sx"][k].update({t: nv(jacobian(along("x", t), PT[k])) for t in TS})
        Rf["Sy"][k] = {t: nv(jacobian(along("y", t), PT[k])) for t in TS}
    return Rf


RS = {name: reference(c) for name, c in CASES.items()}
holds = lambda f: all(f(Rf) for Rf in RS.values())
ind = lambda a, b: 1.0 if a == b else 0.0
Wxu, Wxx, Wyx = P["Wxu"], P["Wxx"], P["Wyx"]
dgX = lambda Rf: ACT[Rf["gX"]][1]
dgY = lambda Rf: ACT[Rf["gY"]][1]

# ---------------------------------------------------------------- the forward (lines 4-9)
rc = torch.nn.RNNCell(nU, nX, nonlinearity="tanh")
with torch.no_grad():
    rc.weight_ih.copy_(Tt(Wxu)), rc.weight_hh.copy_(Tt(Wxx)), rc.bias_ih.copy_(Tt(P["Wx"])), rc.bias_hh.zero_()
Rs = RS["spec"]
cell_ok = all(close(nv(rc(Tt(Rs["U"][t])[None], Tt(Rs["x"][t - 1])[None])[0]), Rs["x"][t]) for t in TS)
decide(4, holds(lambda Rf: all(close(Rf["y"][t], nv(ACT[Rf["gY"]][0](Tt(Rf["Y"][t])))) for t in TS)),
       "y_i[t] = g_Y(Y_i[t]), g_Y logistic ('spec') or tanh ('random')")
decide(5, holds(lambda Rf: all(close(Rf["Y"][t], Wyx @ Rf["x"][t] + P["Wy"]) for t in TS)),
       "Y_i[t] = sum_j W^{y,x}_{i,j} x_j[t] + W^y_i, a dense read-out of the state")
decide(6, holds(lambda Rf: all(close(Rf["x"][t], nv(ACT[Rf["gX"]][0](Tt(Rf["X"][t])))) for t in TS)),
       "x_i[t] = g_X(X_i[t]), g_X tanh ('spec') or logistic ('random')")
decide(9, cell_ok and holds(lambda Rf: all(close(Rf["X"][t], Wxu @ Rf["U"][t] + Wxx @ Rf["x"][t - 1] + P["Wx"])
                                           for t in TS)),
       "X[t] = W^{x,u} u[t] + W^{x,x} x[t-1] + W^x: with g_X = tanh torch's RNNCell (weight_ih = W^{x,u}, "
       "weight_hh = W^{x,x}, bias_ih = W^x, bias_hh = 0)")

# ---------------------------------------------------------------- RTRL: dE[t]/dBox and dy_l[t]/dBox (lines 45-64)
decide(45, holds(lambda Rf: all(close(-np.tensordot(Rf["D"][t] - Rf["y"][t], Rf["Sy"][k][t], axes=1),
                                      Rf["dE"][t][k]) for t in TS for k in P)),
       "dE[t]/dBox = -sum_l (d_l[t] - y_l[t]) dy_l[t]/dBox, for every weight and bias Box")


def dy_line(Rf, t, k):
    """the right sides of lines 53-64 for parameter k, with the true dx_i[t]/dBox."""
    gp = dgY(Rf)(Rf["Y"][t])                            # g_Y'(Y_l[t])
    if k == "Wy":                                       # line 53: g_Y'(Y_l) delta_{l,i}
        return np.array([[gp[l] * ind(l, i) for i in range(nY)] for l in range(nY)])
    if k == "Wyx":                                      # line 55: g_Y'(Y_l) x_j[t] delta_{l,i}
        return np.array([[[gp[l] * Rf["x"][t][j] * ind(l, i) for j in range(nX)] for i in range(nY)]
                         for l in range(nY)])
    return np.einsum("l,li,i...->l...", gp, Wyx, Rf["Sx"][k][t])   # lines 58, 61, 64


for line, k, what in [(53, "Wy", "g_Y'(Y_l[t]) delta_(l,i)"), (55, "Wyx", "g_Y'(Y_l[t]) x_j[t] delta_(l,i)"),
                      (58, "Wx", "g_Y'(Y_l[t]) sum_i W^{y,x}_(l,i) dx_i[t]/dW^x_j"),
                      (61, "Wxu", "g_Y'(Y_l[t]) sum_i W^{y,x}_(l,i) dx_i[t]/dW^{x,u}_(j,k)"),
                      (64, "Wxx", "g_Y'(Y_l[t]) sum_i W^{y,x}_(l,i) dx_i[t]/dW^{x,x}_(j,k)")]:
    decide(line, holds(lambda Rf: all(close(dy_line(Rf, t, k), Rf["Sy"][k][t]) for t in TS)),
           f"dy_l[t]/d{k} = {what} (dx_i[t]/dW through every earlier step)")

# the identities of lines 72-79: the Jacobian of a weight in itself is delta_{i,k} delta_{j,l}
for line, k in [(72, "Wy"), (74, "Wyx"), (75, "Wx"), (77, "Wxu"), (79, "Wxx")]:
    J = nv(jacobian(lambda w: w * 1.0, Tt(P[k])))
    eye = np.eye(P[k].size).reshape(P[k].shape + P[k].shape)
    decide(line, close(J, eye), f"d{k}/d{k} is the Kronecker delta (product) tensor")


# ---------------------------------------------------------------- RTRL recursions (lines 92, 96, 100)
def rec(Rf, t, k):
    gp, xp, u = dgX(Rf)(Rf["X"][t]), Rf["x"][t - 1], Rf["U"][t]
    Sp = Rf["Sx"][k][t - 1]
    carry = np.einsum("im,m...->i...", Wxx, Sp)          # sum_m W^{x,x}_(i,m) dx_m[t-1]/dBox
    if k == "Wx":      # delta_{i,j}
        direct = np.eye(nX)
    elif k == "Wxu":   # u_k[t] delta_{i,j}
        direct = np.array([[[u[kk] * ind(i, j) for kk in range(nU)] for j in range(nX)] for i in range(nX)])
    else:              # x_k[t-1] delta_{i,j}
        direct = np.array([[[xp[kk] * ind(i, j) for kk in range(nX)] for j in range(nX)] for i in range(nX)])
    return close(np.einsum("i,i...->i...", gp, direct + carry), Rf["Sx"][k][t])


for line, k, what in [(92, "Wx", "delta_(i,j)"), (96, "Wxu", "u_k[t] delta_(i,j)"),
                      (100, "Wxx", "x_k[t-1] delta_(i,j)")]:
    decide(line, holds(lambda Rf: all(rec(Rf, t, k) for t in TS)),
           f"dx_i[t]/d{k} = g_X'(X_i[t]) ({what} + sum_m W^{{x,x}}_(i,m) dx_m[t-1]/d{k}), every index and t")

z = np.linspace(-2, 2, 9)
lg = 1 / (1 + np.exp(-z))
decide(104, close(nv(torch.func.vmap(torch.func.grad(torch.sigmoid))(Tt(z))), lg * (1 - lg))
       and close(nv(torch.func.vmap(torch.func.grad(torch.tanh))(Tt(z))), 1 - np.tanh(z) ** 2),
       "g_L' = g_L (1 - g_L) and g_T' = 1 - g_T^2")


# ---------------------------------------------------------------- BPTT (lines 110-131), E[t] of instant t
def deltas(Rf, t):
    """delta^Y[t] (line 122) and delta^X[tau], tau = t .. 1 (lines 123 and 131), as printed."""
    dY = Rf["dE_Y"][t]                                  # line 122 is a definition: dE[t]/dY[t]
    dX = {t: dgX(Rf)(Rf["X"][t]) * (Wyx.T @ dY)}         # g_X'(X_i[t]) sum_j delta^Y_j W^{y,x}_(j,i)
    for tau in range(t - 1, 0, -1):
        dX[tau] = dgX(Rf)(Rf["X"][tau]) * (Wxx.T @ dX[tau + 1])   # sum_j delta^X_j[tau+1] W^{x,x}_(j,i)
    return dY, dX


print("   (line 122, read as the definition it is: delta^Y[t] = dE[t]/dY[t] = -(d - y) g_Y'(Y): "
      f"{holds(lambda Rf: all(close(Rf['dE_Y'][t], -(Rf['D'][t] - Rf['y'][t]) * dgY(Rf)(Rf['Y'][t])) for t in TS))})")
decide(123, holds(lambda Rf: all(close(deltas(Rf, t)[1][t], Rf["dE_X"][t][t]) for t in TS)),
       "delta^X_i[t] = g_X'(X_i[t]) sum_j delta^Y_j[t] W^{y,x}_(j,i) is dE[t]/dX_i[t]")
decide(131, holds(lambda Rf: all(close(deltas(Rf, t)[1][tau], Rf["dE_X"][t][tau]) for t in TS
                                 for tau in range(1, t))),
       "delta^X_i[tau] = g_X'(X_i[tau]) sum_j delta^X_j[tau+1] W^{x,x}_(j,i) is dE[t]/dX_i[tau], 1 <= tau < t")


def updates(Rf, t, sign=1.0):
    """lines 110-114 as printed (sign = +1), and with the minus sign of line 30's Delta W = -alpha dE/dW (sign = -1)."""
    dY, dX = deltas(Rf, t)
    x, u = Rf["x"], Rf["U"]
    return {"Wyx": sign * ALPHA * np.outer(dY, x[t]),
            "Wxx": sign * ALPHA * sum(np.outer(dX[tau], x[tau - 1]) for tau in range(1, t + 1)),
            "Wxu": sign * ALPHA * sum(np.outer(dX[tau], u[tau]) for tau in range(1, t + 1))}


true_update = lambda Rf, t, k: -ALPHA * Rf["dE"][t][k]      # line 30: Delta W = -alpha dE/dW
print("   (with -alpha in place of alpha, lines 110, 112 and 114 are -alpha dE[t]/dW: "
      f"{holds(lambda Rf: all(close(updates(Rf, t, -1.0)[k], true_update(Rf, t, k)) for t in TS for k in ('Wyx', 'Wxx', 'Wxu')))}; "
      "as printed they are +alpha dE[t]/dW: "
      f"{holds(lambda Rf: all(close(updates(Rf, t)[k], ALPHA * Rf['dE'][t][k]) for t in TS for k in ('Wyx', 'Wxx', 'Wxu')))})")
for line, k, what in [(110, "Wyx", "alpha delta^Y_i[t] x_j[t]"),
                      (112, "Wxx", "alpha sum_tau delta^X_i[tau] x_j[tau-1]"),
                      (114, "Wxu", "alpha sum_tau delta^X_i[tau] u_j[tau]")]:
    decide(line, holds(lambda Rf: all(close(updates(Rf, t)[k], true_update(Rf, t, k)) for t in TS)),
           f"Delta W = {what} with delta = +dE/d(net) is +alpha dE[t]/dW, a step up the error; line 30 defines "
           "Delta W = -alpha dE/dW")

unchecked(134, "the time complexities n_X^4 (RTRL) and n_X^2 (BPTT) per step are operation counts, not gradient values")
finish()
