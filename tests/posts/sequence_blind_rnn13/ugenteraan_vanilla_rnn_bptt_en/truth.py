"""Independent truth for tests/posts/sequence_blind_rnn13/ugenteraan_vanilla_rnn_bptt_en (NumPy and torch, no derive).

The README's many-to-many RNN in its own row layout: h_t = tanh(X_t W_xh + h_{t-1} W_hh + b_h), o_t = h_t W_yh + b_y,
y^_t = softmax(o_t), with X_t a 1 x D row, h_t a 1 x H row, W_xh (D, H), W_hh (H, H), W_yh (H, K);
L = sum_{t=1}^T L_t, L_t = -y_t . log y^_t against one-hot targets y_t, steps t = 1..T from a given h_0 (random, not a
function of the weights). D = 2, H = 3, K = 4, T = 4. References from torch autograd in float64: the gradient of
every L_t and of L with respect to W_yh, b_y, W_hh, W_xh; the Jacobians the post multiplies (dL_t/dy^_t,
dy^_t/do_t, do_t/dW_yh, do_t/db_y, dy^_t/dh_t, dh_{t+1}/dh_k through every path, the one-step dh_{j+1}/dh_j, the
immediate dh_k/dW with h_{k-1} held and the total dh_k/dW through every earlier step) from
torch.autograd.functional.jacobian. Each printed right side is evaluated with these and compared with its left side;
a chain written with '.' is the product of the Jacobians in the order printed, contracted over the shared indices; a
product Pi^t_{j=k} is taken in the order its own expansion (line 108) writes it, j = t first (the other order is
printed too); Sigma^T_{t=1} runs over t = 1..T as the post's loss (line 19) does."""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
rng = np.random.default_rng(1313)
D, H, K, T = 2, 3, 4, 4
P = {"Wxh": rng.normal(0, 0.8, (D, H)), "Whh": rng.normal(0, 0.8, (H, H)), "bh": rng.normal(0, 0.3, H),
     "Wyh": rng.normal(0, 0.8, (H, K)), "by": rng.normal(0, 0.3, K)}
X = {t: rng.normal(size=D) for t in range(1, T + 1)}
Y = {t: np.eye(K)[rng.integers(K)] for t in range(1, T + 1)}
h0 = rng.normal(0, 0.5, H)

cell = lambda x, hp, Wxh, Whh, bh: torch.tanh(Tt(x) @ Wxh + hp @ Whh + bh)
out = lambda h, Wyh, by: torch.softmax(h @ Wyh + by, dim=0)
Lt = lambda yh, t: -(Tt(Y[t]) * torch.log(yh)).sum()


def run(Wxh, Whh, bh, Wyh, by):
    hs = {0: Tt(h0)}
    for t in range(1, T + 1):
        hs[t] = cell(X[t], hs[t - 1], Wxh, Whh, bh)
    yh = {t: out(hs[t], Wyh, by) for t in range(1, T + 1)}
    return hs, yh, {t: Lt(yh[t], t) for t in range(1, T + 1)}


PT = {k: Tt(v) for k, v in P.items()}
hs, yh, Ls = run(**PT)
hv = {t: nv(h) for t, h in hs.items()}
yv = {t: nv(y) for t, y in yh.items()}
ov = {t: hv[t] @ P["Wyh"] + P["by"] for t in range(1, T + 1)}
NAME = {"Wyh": "W_yh", "by": "b_y", "Whh": "W_hh", "Wxh": "W_xh"}


def grad_Lt(t, name):
    """dL_t/d(name) through every path, from autograd."""
    leaf = {k: Tt(v).requires_grad_(k == name) for k, v in P.items()}
    _, _, L_ = run(**leaf)
    return nv(torch.autograd.grad(L_[t], leaf[name])[0])


gLt = {(t, n): grad_Lt(t, n) for t in range(1, T + 1) for n in NAME}
gL = {n: sum(gLt[(t, n)] for t in range(1, T + 1)) for n in NAME}

# Jacobians (numerator layout: d(out)/d(in) has out's axes first)
J_L_y = {t: nv(jacobian(lambda y: Lt(y, t), Tt(yv[t]))) for t in range(1, T + 1)}             # (K,)
J_y_o = {t: nv(jacobian(lambda o: torch.softmax(o, 0), Tt(ov[t]))) for t in range(1, T + 1)}  # (K, K)
J_o_Wyh = {t: nv(jacobian(lambda W: Tt(hv[t]) @ W + Tt(P["by"]), Tt(P["Wyh"]))) for t in range(1, T + 1)}  # (K,H,K)
J_o_by = {t: nv(jacobian(lambda b: Tt(hv[t]) @ Tt(P["Wyh"]) + b, Tt(P["by"]))) for t in range(1, T + 1)}   # (K,K)
J_y_h = {t: nv(jacobian(lambda h: out(h, Tt(P["Wyh"]), Tt(P["by"])), Tt(hv[t]))) for t in range(1, T + 1)}  # (K,H)
one_step = {j: nv(jacobian(lambda hp: cell(X[j + 1], hp, PT["Wxh"], PT["Whh"], PT["bh"]), Tt(hv[j])))
            for j in range(0, T)}                                                             # dh_{j+1}/dh_j (H,H)


def J_h_h(a, b):
    """dh_a/dh_b through every path (a >= b), by autograd on the unrolled recursion from h_b."""
    def f(hb):
        h = hb
        for s in range(b + 1, a + 1):
            h = cell(X[s], h, PT["Wxh"], PT["Whh"], PT["bh"])
        return h
    return nv(jacobian(f, Tt(hv[b])))


def J_h_W_imm(k, name):
    """The immediate dh_k/dW (h_{k-1} held), (H, *W.shape)."""
    def f(W):
        args = {"Wxh": PT["Wxh"], "Whh": PT["Whh"], "bh": PT["bh"]}
        args[name] = W
        return cell(X[k], Tt(hv[k - 1]), **args)
    return nv(jacobian(f, PT[name]))


def J_h_W_tot(k, name):
    """The total dh_k/dW, through every earlier step (h_0 fixed)."""
    def f(W):
        args = {"Wxh": PT["Wxh"], "Whh": PT["Whh"], "bh": PT["bh"]}
        args[name] = W
        h = Tt(h0)
        for s in range(1, k + 1):
            h = cell(X[s], h, **args)
        return h
    return nv(jacobian(f, PT[name]))


row_h = lambda t: J_L_y[t] @ J_y_h[t]              # dL_t/dy^_t . dy^_t/dh_t, an H row
chain_W = lambda v, JW: np.einsum("a,a...->...", v, JW)  # a row contracted with a d(vector)/d(matrix) Jacobian

# lines 4, 7: the forward definitions (checked against torch.nn.RNNCell too); lines 19, 25: the loss
rc = torch.nn.RNNCell(D, H, nonlinearity="tanh")
with torch.no_grad():
    rc.weight_ih.copy_(Tt(P["Wxh"].T))
    rc.weight_hh.copy_(Tt(P["Whh"].T))
    rc.bias_ih.copy_(Tt(P["bh"]))
    rc.bias_hh.zero_()
ok_cell = all(close(nv(rc(Tt(X[t])[None], Tt(hv[t - 1])[None]))[0], hv[t]) for t in range(1, T + 1))
print(f"   (line 4: the network = torch RNNCell (tanh, bias_ih = b_h, bias_hh = 0): {ok_cell})")
decide(4, all(close(np.tanh(X[t] @ P["Wxh"] + hv[t - 1] @ P["Whh"] + P["bh"]), hv[t]) for t in range(1, T + 1)),
       "h_t = tanh(X_t W_xh + h_(t-1) W_hh + b_h), the network the truth builds")
sm = lambda o: np.exp(o - o.max()) / np.exp(o - o.max()).sum()
decide(7, all(close(sm(hv[t] @ P["Wyh"] + P["by"]), yv[t]) for t in range(1, T + 1)), "y^_t = softmax(h_t W_yh + b_y)")
Ltot = float(sum(Ls.values()))
decide(19, np.isclose(Ltot, sum(float(Ls[t]) for t in range(1, T + 1))), "L = sum_(t=1)^T L_t, the loss the truth sums")
decide(25, np.isclose(-sum(Y[t] @ np.log(yv[t]) for t in range(1, T + 1)), Ltot),
       "-sum_t y_t log y^_t, the product of the one-hot row y_t with log y^_t read as the inner product")

# line 37: dL/dW_yh = sum_t dL_t/dW_yh = sum_t dL_t/dy^_t . dy^_t/do_t . do_t/dW_yh
r37 = sum(chain_W(J_L_y[t] @ J_y_o[t], J_o_Wyh[t]) for t in range(1, T + 1))
decide(37, close(sum(gLt[(t, "Wyh")] for t in range(1, T + 1)), gL["Wyh"]) and close(r37, gL["Wyh"]),
       "both equalities hold: L_t's shares sum to dL/dW_yh, and each is the chain through y^_t and o_t")
# line 40: prose with two shorthands
print(f"   (line 40: dL_t/do_t = y^_t - y_t at every t: "
      f"{all(close(J_L_y[t] @ J_y_o[t], yv[t] - Y[t]) for t in range(1, T + 1))}; do_t/dW_yh has shape "
      f"{J_o_Wyh[1].shape}, its nonzero entries h_t[i] at (k, i, k): "
      f"{all(close(J_o_Wyh[t][k, :, k], hv[t]) for t in range(1, T + 1) for k in range(K))})")
unchecked(40, "a shorthand: do_t/dW_yh is a K x (H x K) Jacobian whose nonzero entries are h_t's, not the value h_t; "
              "the line's other part, dL_t/do_t = y^_t - y_t, holds (printed)")
# line 43: = sum_t (y^_t - y_t) (x) h_t
r43 = sum(np.outer(yv[t] - Y[t], hv[t]) for t in range(1, T + 1))
print(f"   (line 43: (y^_t - y_t) (x) h_t has shape {r43.shape}, dL/dW_yh {gL['Wyh'].shape}; "
      f"sum_t h_t (x) (y^_t - y_t) = dL/dW_yh: {close(sum(np.outer(hv[t], yv[t] - Y[t]) for t in range(1, T + 1)), gL['Wyh'])}; "
      f"the transpose of the printed sum = dL/dW_yh: {close(r43.T, gL['Wyh'])})")
decide(43, close(r43, r37) and close(r43, gL["Wyh"]),
       "with o_t = h_t W_yh (W_yh of shape H x K) the gradient is sum_t h_t^T (y^_t - y_t) = sum_t h_t (x) (y^_t - y_t); "
       "the printed (y^_t - y_t) (x) h_t is its K x H transpose")
# line 53: dL/db_y = sum_t dL/dy^_t . dy^_t/do_t . do_t/db_y (the doubled partial and the missing one read as typos)
dL_dy = {t: J_L_y[t] for t in range(1, T + 1)}  # y^_t reaches L only through L_t, so dL/dy^_t = dL_t/dy^_t
r53 = sum(dL_dy[t] @ J_y_o[t] @ J_o_by[t] for t in range(1, T + 1))
decide(53, close(r53, gL["by"]), "the chain through y^_t and o_t, summed over t, = dL/db_y (dL/dy^_t = dL_t/dy^_t: y^_t "
       "enters L through L_t only)")
# line 59: o_t = h_t W_yh + b_y, do_t/db_y = 1 (the identity)
decide(59, all(close(J_o_by[t], np.eye(K)) for t in range(1, T + 1))
       and all(close(sm(ov[t]), yv[t]) for t in range(1, T + 1)),
       "o_t = h_t W_yh + b_y is the softmax's argument of line 7, and do_t/db_y is the identity ('1')")
decide(64, close(sum(yv[t] - Y[t] for t in range(1, T + 1)), gL["by"]), "sum_t (y^_t - y_t) = dL/db_y")

# line 72: dL_{t+1}/dW_hh = dL_{t+1}/dy^_{t+1} . dy^_{t+1}/dh_{t+1} . dh_{t+1}/dW_hh (dh_{t+1}/dW_hh total)
ts = range(1, T)  # t + 1 = 2..T
decide(72, all(close(chain_W(row_h(t + 1), J_h_W_tot(t + 1, "Whh")), gLt[(t + 1, "Whh")]) for t in ts),
       "with dh_(t+1)/dW_hh the total derivative (through every earlier step) the chain is dL_(t+1)/dW_hh")
# line 80: h_{t+1} = tanh(X_t W_xh + h_t W_hh + b_h)
r80 = {t: np.tanh(X[t] @ P["Wxh"] + hv[t] @ P["Whh"] + P["bh"]) for t in ts}
print(f"   (line 80: with X_(t+1) in place of X_t: "
      f"{all(close(np.tanh(X[t + 1] @ P['Wxh'] + hv[t] @ P['Whh'] + P['bh']), hv[t + 1]) for t in ts)})")
decide(80, all(close(r80[t], hv[t + 1]) for t in ts),
       "by line 4, h_(t+1) = tanh(X_(t+1) W_xh + h_t W_hh + b_h): the input of step t+1 is X_(t+1), not X_t")
# line 88: dL_{t+1}/dW_hh = ... . dh_{t+1}/dh_t . dh_t/dW_hh
r88_tot = {t: chain_W(row_h(t + 1) @ one_step[t], J_h_W_tot(t, "Whh")) for t in ts}
r88_imm = {t: chain_W(row_h(t + 1) @ one_step[t], J_h_W_imm(t, "Whh")) for t in ts}
direct = {t: chain_W(row_h(t + 1), J_h_W_imm(t + 1, "Whh")) for t in ts}
print(f"   (line 88: with dh_t/dW_hh total, adding step t+1's own term dL_(t+1)/dh_(t+1) . dh_(t+1)/dW_hh (immediate) "
      f"gives dL_(t+1)/dW_hh: {all(close(r88_tot[t] + direct[t], gLt[(t + 1, 'Whh')]) for t in ts)})")
decide(88, all(close(r88_tot[t], gLt[(t + 1, "Whh")]) for t in ts)
       or all(close(r88_imm[t], gLt[(t + 1, "Whh")]) for t in ts),
       "h_(t+1) = tanh(X_(t+1) W_xh + h_t W_hh + b_h) holds W_hh directly as well as through h_t; the chain keeps only "
       "the path through h_t and drops step t+1's own term (h_t^T times the gradient at the pre-activation), whichever "
       "reading of dh_t/dW_hh (total or immediate)")
# line 94: sum_{k=1}^{t+1} ... dh_{t+1}/dh_k . dh_k/dW_hh (dh_k/dW_hh immediate, dh_{t+1}/dh_{t+1} = I)
r94 = {t: sum(chain_W(row_h(t + 1) @ J_h_h(t + 1, k), J_h_W_imm(k, "Whh")) for k in range(1, t + 2)) for t in ts}
decide(94, all(close(r94[t], gLt[(t + 1, "Whh")]) for t in ts),
       "with dh_k/dW_hh the immediate derivative (h_(k-1) held) the sum over k = 1..t+1 is dL_(t+1)/dW_hh")
# line 99 (prose): dh_3/dh_1 = dh_3/dh_2 . dh_2/dh_1
decide(99, close(J_h_h(3, 1), one_step[2] @ one_step[1]), "the Jacobian of h_3 by h_1 is the product of the one-step "
       "Jacobians, in that order")


def pi_literal(t, k, descending=True):
    """Pi^t_{j=k} dh_{j+1}/dh_k read literally: every factor the Jacobian of h_{j+1} by h_k."""
    js = range(t, k - 1, -1) if descending else range(k, t + 1)
    M = np.eye(H)
    for j in js:
        M = M @ J_h_h(j + 1, k)
    return M


r102 = {t: sum(chain_W(row_h(t + 1) @ pi_literal(t, k), J_h_W_imm(k, "Whh")) for k in range(1, t + 2)) for t in ts}
r102_asc = {t: sum(chain_W(row_h(t + 1) @ pi_literal(t, k, False), J_h_W_imm(k, "Whh")) for k in range(1, t + 2))
            for t in ts}
print(f"   (line 102: per t + 1 = 2..{T}: {[close(r102[t], gLt[(t + 1, 'Whh')]) for t in ts]} (it holds while t + 1 - k "
      f"<= 1 for every k, i.e. t + 1 = 2); the other order of the product: "
      f"{[close(r102_asc[t], gLt[(t + 1, 'Whh')]) for t in ts]}; with dh_(j+1)/dh_j as the factor: "
      f"{all(close(sum(chain_W(row_h(t + 1) @ np.linalg.multi_dot([np.eye(H)] * 2 + [one_step[j] for j in range(t, k - 1, -1)]), J_h_W_imm(k, 'Whh')) for k in range(1, t + 2)), gLt[(t + 1, 'Whh')]) for t in ts)})")
decide(102, all(close(r102[t], gLt[(t + 1, "Whh")]) for t in ts) or all(close(r102_asc[t], gLt[(t + 1, "Whh")]) for t in ts),
       "each factor of Pi^t_{j=k} dh_(j+1)/dh_k is the Jacobian of h_(j+1) by h_k itself (the whole path from h_k), so "
       "the product repeats the paths and is not dh_(t+1)/dh_k once t + 1 - k >= 2; the factor must be dh_(j+1)/dh_j")
# line 108: Pi^t_{j=k} dh_{j+1}/dh_k = dh_{t+1}/dh_k = dh_{t+1}/dh_t ... dh_{k+1}/dh_k
first_eq = all(close(pi_literal(t, k), J_h_h(t + 1, k)) for t in ts for k in range(1, t + 2))
second_eq = all(close(J_h_h(t + 1, k), np.linalg.multi_dot([np.eye(H)] * 2 + [one_step[j] for j in range(t, k - 1, -1)]))
                for t in ts for k in range(1, t + 2))
print(f"   (line 108: first equality: {first_eq}; second equality (the product of one-step Jacobians): {second_eq})")
decide(108, first_eq and second_eq, "the first equality restates line 102's product, whose factors dh_(j+1)/dh_k are "
       "not the one-step Jacobians; the second equality (the expansion) is right")
# line 114: dL/dW_hh = sum_{t=1}^T sum_{k=1}^{t+1} dL_{t+1}/... (the outer sum over L_2..L_{T+1})
defined = [t for t in range(1, T + 1) if t + 1 <= T]
r114 = sum(r94[t] for t in defined)
print(f"   (line 114: L_(T+1) does not exist (steps 1..{T}); the defined terms t = 1..{T - 1} sum to dL/dW_hh: "
      f"{close(r114, gL['Whh'])}; plus L_1's share: {close(r114 + gLt[(1, 'Whh')], gL['Whh'])})")
decide(114, len(defined) == T and close(r114, gL["Whh"]),
       "with t = 1..T the outer sum runs over L_2..L_(T+1): L_(T+1) does not exist and L_1's terms are missing "
       "(t = 0..T-1 would make it hold)")
decide(120, all(close(J_h_h(t + 1, k), np.linalg.multi_dot([np.eye(H)] * 2 + [one_step[j] for j in range(t, k - 1, -1)]))
                for t in ts for k in range(1, t + 2)), "dh_(t+1)/dh_k is the product of the one-step Jacobians")
# lines 126, 132, 138: W_xh
decide(126, all(close(chain_W(row_h(t + 1), J_h_W_tot(t + 1, "Wxh")), gLt[(t + 1, "Wxh")]) for t in ts),
       "with dh_(t+1)/dW_xh the total derivative the chain is dL_(t+1)/dW_xh")
r132_terms = {t: sum(chain_W(row_h(t + 1) @ J_h_h(t + 1, k), J_h_W_imm(k, "Wxh")) for k in range(1, t + 2)) for t in ts}
print(f"   (line 132: each defined inner sum = dL_(t+1)/dW_xh: "
      f"{all(close(r132_terms[t], gLt[(t + 1, 'Wxh')]) for t in ts)}; the defined terms plus L_1's share = dL/dW_xh: "
      f"{close(sum(r132_terms.values()) + gLt[(1, 'Wxh')], gL['Wxh'])})")
decide(132, len(defined) == T and close(sum(r132_terms.values()), gL["Wxh"]),
       "the same index slip as line 114 for W_xh: L_(T+1) does not exist and L_1's terms are missing")
decide(138, all(close(J_h_h(t + 1, k), np.linalg.multi_dot([np.eye(H)] * 2 + [one_step[j] for j in range(t, k - 1, -1)]))
                for t in ts for k in range(1, t + 2)), "dh_(t+1)/dh_k is the product of the one-step Jacobians (as line 120)")
finish()
