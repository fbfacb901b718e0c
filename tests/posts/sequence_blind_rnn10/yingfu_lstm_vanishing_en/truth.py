"""Independent truth for tests/posts/sequence_blind_rnn10/yingfu_lstm_vanishing_en (NumPy and torch, no derive).

The post has two networks. Its RNN (column vectors, no biases): h_t = sigmoid(W h_{t-1} + W^hx x_t), yhat_t =
W^(S) h_t, E = sum_t E_t; the post leaves the error open: here E_t is the cross-entropy of softmax(yhat_t) with a
target class (y_t in the chain read as yhat_t, the post's 'output vectors'). T = 4 steps t = 1..4 of d = 2 inputs,
D_h = 3 hidden units, V = 4 classes, a random initialization vector h_0. torch has no sigmoid RNNCell, so the forward
pass is re-evaluated from the definition only. Its LSTM (column vectors, no biases): f_t, i_t, o_t = sigmoid(W_* h_{t-1}
+ U_* x_t), c~_t = tanh(W_c h_{t-1} + U_c x_t), c_t = f_t o c_{t-1} + i_t o c~_t, h_t = o_t o tanh(c_t), with the output
gate's own U_o (the post's o_t line writes U_f; see line 86), T = 3 steps from a random h_0, c_0, checked against
torch.nn.LSTMCell with zero biases. References from torch autograd in float64: the gradient of E_t with respect to
W and to every step's own copy of W (step k's share); the Jacobians dh_t/dh_k through every path, the one-step
dh_j/dh_{j-1}, the immediate dh_k/dW with h_{k-1} held; for the LSTM the total dc_j/dc_{j-1} (c_{j-1} reaching c_j
directly and through h_{j-1} = o_{j-1} o tanh(c_{j-1}), o_{j-1} and x_j fixed) and the local partials the chains
name (dc_j/df_j, df_j/dh_{j-1}, dh_{j-1}/dc_{j-1} with o_{j-1} fixed, the direct dc_j/dc_{j-1} with h_{j-1} fixed,
...)."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1013)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
sig = lambda v: 1 / (1 + np.exp(-v))
dsig = lambda v: sig(v) * (1 - sig(v))
jac = torch.autograd.functional.jacobian

# ---------------------------------------------------------------- the RNN of section 2
d, H, V, T = 2, 3, 4, 4
W_n = rng.normal(0, 1.2, (H, H))
Whx_n = rng.normal(0, 1.2, (H, d))
WS_n = rng.normal(0, 1.0, (V, H))
xs = [rng.normal(0, 1.5, (d, 1)) for _ in range(T + 1)]  # xs[1..T]
labels = rng.integers(0, V, T + 1)
h0 = rng.normal(0, 0.5, (H, 1))
W = Tt(W_n).requires_grad_()


def rnn_forward():
    hs, pre, Es, copies = [Tt(h0)], [None], [None], [None]
    for t in range(1, T + 1):
        Wt = W.clone()
        copies.append(Wt)
        a = Wt @ hs[-1] + Tt(Whx_n) @ Tt(xs[t])
        h = torch.sigmoid(a)
        y = Tt(WS_n) @ h
        pre.append(a)
        hs.append(h)
        Es.append(-torch.log_softmax(y, 0)[labels[t], 0])
    return hs, pre, Es, copies


hs, pre, Es, copies = rnn_forward()
gr = lambda out, wrt: torch.autograd.grad(out, wrt, retain_graph=True, allow_unused=True)[0]
hv = [nv(h) for h in hs]
av = [None] + [nv(a) for a in pre[1:]]
E = sum(Es[1:])
dEdW = nv(gr(E, W))
dEtdW = {t: nv(gr(Es[t], W)) for t in range(1, T + 1)}
share = {(t, k): (lambda g: np.zeros((H, H)) if g is None else nv(g))(gr(Es[t], copies[k]))
         for t in range(1, T + 1) for k in range(1, T + 1)}


def h_of(t, k, hk):
    """h_t as a function of h_k (every path), inputs and W fixed."""
    h = hk
    for s in range(k + 1, t + 1):
        h = torch.sigmoid(Tt(W_n) @ h + Tt(Whx_n) @ Tt(xs[s]))
    return h


one_step = {j: nv(jac(lambda hp: torch.sigmoid(Tt(W_n) @ hp + Tt(Whx_n) @ Tt(xs[j])), Tt(hv[j - 1])))[:, 0, :, 0]
            for j in range(1, T + 1)}
total = {(t, k): nv(jac(lambda hk: h_of(t, k, hk), Tt(hv[k])))[:, 0, :, 0] for t in range(1, T + 1) for k in range(1, t + 1)}
immediate = {k: nv(jac(lambda Wm: torch.sigmoid(Wm @ Tt(hv[k - 1]) + Tt(Whx_n) @ Tt(xs[k])), Tt(W_n)))[:, 0]
             for k in range(1, T + 1)}  # [H, H, H]: dh_k/dW with h_{k-1} held
# dE_t/dyhat_t as a row (softmax - onehot) and dyhat_t/dh_t = W^(S)
dEdy = {}
for t in range(1, T + 1):
    p = np.exp(WS_n @ hv[t] - (WS_n @ hv[t]).max())
    p = p / p.sum()
    p[labels[t]] -= 1
    dEdy[t] = p.T  # 1 x V
row_h = {t: dEdy[t] @ WS_n for t in range(1, T + 1)}  # dE_t/dy_t dy_t/dh_t, a 1 x H row

# lines 9, 10, 45: the definitions, re-evaluated
ok9 = all(close(sig(W_n @ hv[t - 1] + Whx_n @ xs[t]), hv[t]) for t in range(1, T + 1))
decide(9, ok9, "h_t = sigmoid(W h_(t-1) + W^hx x_t) (re-evaluated; torch has no sigmoid RNNCell)")
decide(10, all(close(WS_n @ hv[t], nv(Tt(WS_n) @ hs[t])) for t in range(1, T + 1)), "yhat_t = W^(S) h_t")
decide(24, close(sum(dEtdW.values()), dEdW), "dE/dW = sum_t dE_t/dW")
# line 29: dE_t/dW = sum_k dE_t/dW|_k dW|_k/dW = sum_k dE_t/dW|_k, dE_t/dW|_k step k's copy, dW|_k/dW the identity
decide(29, all(close(sum(share[(t, k)] for k in range(1, t + 1)), dEtdW[t]) for t in range(1, T + 1))
       and all(close(share[(t, k)], np.zeros((H, H))) for t in range(1, T + 1) for k in range(t + 1, T + 1)),
       "dE_t/dW = sum_(k<=t) of the gradients of the steps' copies of W (later copies give 0)")
# line 33: dE_t/dW|_k = dE_t/dy_t dy_t/dh_t dh_t/dh_k dh_k/dW (dh_t/dh_k every path, dh_k/dW immediate)
ok33 = all(close(np.einsum("a,aij->ij", (row_h[t] @ total[(t, k)])[0], immediate[k]), share[(t, k)])
           for t in range(1, T + 1) for k in range(1, t + 1))
decide(33, ok33, "each term dE_t/dy_t dy_t/dh_t dh_t/dh_k dh_k/dW (immediate) = step k's share of dE_t/dW")
# line 37: dh_t/dh_k = dh_t/dh_(t-1) ... dh_(k+1)/dh_k = prod_(j=k+1)^t dh_j/dh_(j-1), in the chain's order


def chain(t, k):
    P = np.eye(H)
    for j in range(t, k, -1):
        P = P @ one_step[j]
    return P


decide(37, all(close(chain(t, k), total[(t, k)]) for t in range(1, T + 1) for k in range(1, t + 1)),
       "the product of one-step Jacobians (from t down to k+1) = dh_t/dh_k")
ok41 = close(sum(np.einsum("a,aij->ij", (row_h[t] @ chain(t, k))[0], immediate[k])
                 for t in range(1, T + 1) for k in range(1, t + 1)), dEdW)
decide(41, ok41, "the double sum = dE/dW")
decide(45, ok9, "h_t = sigmoid(W h_(t-1) + W^hx x_[t]) restated (x_[t] read as x_t)")
# line 49: dh_j/dh_(j-1) = diag(sigma'(W h_(t-1) + W^hx x_[t])) W, inside the chain for dh_t/dh_k (j = k+1..t)
printed49 = {(t, j): np.diag(dsig(av[t][:, 0])) @ W_n for t in range(1, T + 1) for j in range(2, t + 1)}
asj = all(close(np.diag(dsig(av[j][:, 0])) @ W_n, one_step[j]) for j in range(1, T + 1))
print(f"   (line 49: with the pre-activation of step j, diag(sigma'(W h_(j-1) + W^hx x_j)) W = dh_j/dh_(j-1): {asj})")
decide(49, all(close(printed49[(t, j)], one_step[j]) for (t, j) in printed49),
       "sigma' is taken at step t's pre-activation, not step j's: dh_j/dh_(j-1) = diag(sigma'(a_j)) W; the two "
       "differ for every j < t")
# line 57: ||dh_j/dh_(j-1)|| <= ||diag(sigma'(a_t))|| ||W|| (spectral norms), for j < t
n2 = lambda M: np.linalg.norm(M, 2)
viol = [(t, j) for (t, j) in printed49 if j < t
        and n2(one_step[j]) > n2(np.diag(dsig(av[t][:, 0]))) * n2(W_n) + 1e-12]
print(f"   (line 57: pairs (t, j), j < t, where the bound fails: {viol}; with sigma'(a_j) it holds for all j: "
      f"{all(n2(one_step[j]) <= n2(np.diag(dsig(av[j][:, 0]))) * n2(W_n) + 1e-12 for j in range(1, T + 1))})")
decide(57, not viol, "bounds ||dh_j/dh_(j-1)|| by sigma' at step t, line 49's index carried; it fails where "
       "sigma'(a_t) is smaller than sigma'(a_j)")
# line 63: ||dh_t/dh_k|| = prod_j dh_j/dh_(j-1) <= ||W||^(t-k) prod_j ||diag(sigma'(a_t))||
bound_ok = all(n2(total[(t, k)]) <= n2(W_n) ** (t - k) * n2(np.diag(dsig(av[t][:, 0]))) ** (t - k) + 1e-12
               for t in range(1, T + 1) for k in range(1, t + 1))
print(f"   (line 63: ||dh_t/dh_k|| = {n2(total[(T, 1)]):.4f} is a number, prod_j dh_j/dh_(j-1) a "
      f"{chain(T, 1).shape} matrix; the bound with sigma'(a_t) holds at every (t, k) here: {bound_ok})")
decide(63, False, "sets the norm ||dh_t/dh_k||, a number, equal to the matrix prod_j dh_j/dh_(j-1) (the norm of "
       "the product is missing), and takes every factor's sigma' at step t as line 49 does")

# ---------------------------------------------------------------- the LSTM of section 3.1
TL, n, dx = 3, 3, 2
G = ("f", "i", "o", "c")
Wg = {g: rng.normal(0, 1.0, (n, n)) for g in G}
Ug = {g: rng.normal(0, 1.0, (n, dx)) for g in G}
xl = [None] + [rng.normal(0, 1.2, (dx, 1)) for _ in range(TL)]
hl, cl = [rng.normal(0, 0.5, (n, 1))], [rng.normal(0, 0.5, (n, 1))]
gate, pre_l = [None], [None]
for t in range(1, TL + 1):
    p = {g: Wg[g] @ hl[-1] + Ug[g] @ xl[t] for g in G}
    v = {"f": sig(p["f"]), "i": sig(p["i"]), "o": sig(p["o"]), "c": np.tanh(p["c"])}
    c = v["f"] * cl[-1] + v["i"] * v["c"]
    h = v["o"] * np.tanh(c)
    gate.append(v)
    pre_l.append(p)
    cl.append(c)
    hl.append(h)
cell = torch.nn.LSTMCell(dx, n)
with torch.no_grad():  # torch's gates i, f, g, o
    cell.weight_ih.copy_(Tt(np.vstack([Ug["i"], Ug["f"], Ug["c"], Ug["o"]])))
    cell.weight_hh.copy_(Tt(np.vstack([Wg["i"], Wg["f"], Wg["c"], Wg["o"]])))
    cell.bias_ih.zero_()
    cell.bias_hh.zero_()
ok_cell = True
for t in range(1, TL + 1):
    hr, cr = cell(Tt(xl[t].T), (Tt(hl[t - 1].T), Tt(cl[t - 1].T)))
    ok_cell &= close(nv(hr).T, hl[t]) and close(nv(cr).T, cl[t])
print(f"   (lines 84-92: the LSTM with its own U_o = torch LSTMCell without biases: {ok_cell})")
decide(84, all(close(sig(Wg["f"] @ hl[t - 1] + Ug["f"] @ xl[t]), gate[t]["f"]) for t in range(1, TL + 1)),
       "f_t = sigmoid(W_f h_(t-1) + U_f x_t)")
decide(85, all(close(sig(Wg["i"] @ hl[t - 1] + Ug["i"] @ xl[t]), gate[t]["i"]) for t in range(1, TL + 1)),
       "i_t = sigmoid(W_i h_(t-1) + U_i x_t)")
decide(86, all(close(sig(Wg["o"] @ hl[t - 1] + Ug["f"] @ xl[t]), gate[t]["o"]) for t in range(1, TL + 1)),
       "o_t = sigmoid(W_o h_(t-1) + U_f x_t) feeds x_t through the forget gate's U_f; the output gate's own U_o "
       "(which the post never writes) belongs there")
decide(90, all(close(np.tanh(Wg["c"] @ hl[t - 1] + Ug["c"] @ xl[t]), gate[t]["c"]) for t in range(1, TL + 1)),
       "c~_t = tanh(W_c h_(t-1) + U_c x_t)")
decide(91, all(close(gate[t]["f"] * cl[t - 1] + gate[t]["i"] * gate[t]["c"], cl[t]) for t in range(1, TL + 1)),
       "c_t = f_t o c_(t-1) + i_t o c~_t")
decide(92, all(close(gate[t]["o"] * np.tanh(cl[t]), hl[t]) for t in range(1, TL + 1)), "h_t = o_t o tanh(c_t)")


def c_from(j, cprev, hprev):
    """c_j from c_(j-1) and h_(j-1), x_j fixed."""
    f = torch.sigmoid(Tt(Wg["f"]) @ hprev + Tt(Ug["f"]) @ Tt(xl[j]))
    i = torch.sigmoid(Tt(Wg["i"]) @ hprev + Tt(Ug["i"]) @ Tt(xl[j]))
    cc = torch.tanh(Tt(Wg["c"]) @ hprev + Tt(Ug["c"]) @ Tt(xl[j]))
    return f * cprev + i * cc


J = lambda fn, at: nv(jac(fn, Tt(at)))[:, 0, :, 0]
ok115, ok123, ok124, ok125, fix122, sum_printed = True, True, True, True, True, True
for j in range(2, TL + 1):
    o_prev = Tt(gate[j - 1]["o"])
    tot = J(lambda cp: c_from(j, cp, o_prev * torch.tanh(cp)), cl[j - 1])  # every path from c_(j-1) to c_j
    dh_dc = J(lambda cp: o_prev * torch.tanh(cp), cl[j - 1])              # dh_(j-1)/dc_(j-1), o_(j-1) fixed
    direct = J(lambda cp: c_from(j, cp, Tt(hl[j - 1])), cl[j - 1])        # dc_j/dc_(j-1) with h_(j-1) fixed
    v, p = gate[j], pre_l[j]
    dcdf = J(lambda f: f * Tt(cl[j - 1]) + Tt(v["i"] * v["c"]), v["f"])
    dcdi = J(lambda i: Tt(v["f"] * cl[j - 1]) + i * Tt(v["c"]), v["i"])
    dcdcc = J(lambda cc: Tt(v["f"] * cl[j - 1]) + Tt(v["i"]) * cc, v["c"])
    dfdh = J(lambda hp: torch.sigmoid(Tt(Wg["f"]) @ hp + Tt(Ug["f"]) @ Tt(xl[j])), hl[j - 1])
    didh = J(lambda hp: torch.sigmoid(Tt(Wg["i"]) @ hp + Tt(Ug["i"]) @ Tt(xl[j])), hl[j - 1])
    dccdh = J(lambda hp: torch.tanh(Tt(Wg["c"]) @ hp + Tt(Ug["c"]) @ Tt(xl[j])), hl[j - 1])
    term_f, term_i, term_c = dcdf @ dfdh @ dh_dc, dcdi @ didh @ dh_dc, dcdcc @ dccdh @ dh_dc
    # line 115 (the display of lines 114-115): the total = the three paths through h_(j-1) + the direct partial
    ok115 &= close(term_f + direct + term_i + term_c, tot)
    # the rows of lines 122-125, '* o_(j-1)' read as diag(o_(j-1)), (.) as the gate's own pre-activation
    tail = np.diag(gate[j - 1]["o"][:, 0]) @ np.diag(1 - np.tanh(cl[j - 1][:, 0]) ** 2)
    r122 = np.diag(cl[j - 1][:, 0]) @ np.diag(dsig(p["f"][:, 0])) @ Wg["f"] @ tail  # W_h read as W_f, c_(t-1) as c_(j-1)
    fix122 &= close(r122, term_f)
    ok123 &= close(np.diag(v["f"][:, 0]), direct)
    r124 = np.diag(v["c"][:, 0]) @ np.diag(sig(p["i"][:, 0])) @ Wg["i"] @ tail
    ok124 &= close(r124, term_i)
    r125 = np.diag(v["i"][:, 0]) @ np.diag(np.tanh(p["c"][:, 0])) @ Wg["o"] @ tail
    ok125 &= close(r125, term_c)
    sum_printed &= close(r122 + np.diag(v["f"][:, 0]) + r124 + r125, tot)
    print(f"   (j = {j}: sigma' in line 124 and tanh', W_c in line 125 would give the paths: "
          f"{close(np.diag(v['c'][:, 0]) @ np.diag(dsig(p['i'][:, 0])) @ Wg['i'] @ tail, term_i)}, "
          f"{close(np.diag(v['i'][:, 0]) @ np.diag(1 - np.tanh(p['c'][:, 0]) ** 2) @ Wg['c'] @ tail, term_c)})")
print(f"   (lines 122-125 summed, W_h read as W_f: the total dc_j/dc_(j-1): {sum_printed})")
decide(115, ok115, "the paths through f_j, i_j, c~_j (each via h_(j-1)) plus the direct partial dc_j/dc_(j-1) "
       "(= diag f_j) = the total dc_j/dc_(j-1); the right side's dc_j/dc_(j-1) read as the direct partial")
unchecked(122, "names W_h, which the post never defines (and c_(t-1) for the forget-gate path at step j); read as "
          f"W_f with c_(j-1) the row is the f_j path: {fix122}")
decide(123, ok123, "f_j, read as diag(f_j), is the direct partial dc_j/dc_(j-1)")
decide(124, ok124, "the input-gate path needs sigma'(ihat_j) = i_j(1 - i_j); the row has sigma(.) itself")
decide(125, ok125, "the candidate path needs tanh'(chat_j) and W_c; the row has tanh(.) and the output gate's W_o "
       "(and the four rows do not sum to dc_j/dc_(j-1))")
finish()
