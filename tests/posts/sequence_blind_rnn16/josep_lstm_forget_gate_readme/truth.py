"""Truth for Josep-h's 'Writing-A-Poem' README (Josep-h/Writing-A-Poem, README.md at commit 8268bef), section
'Differentiate LSTM': the LSTM's forward equations and the derivative dh_t/df_t, decided without derive.

The post's own LSTM, built in torch float64 from its forward equations (lines 19-21, 29-31): i_t, f_t, o_t =
sigma(W_* x_t + U_* h_{t-1} + b_*), c^_t = tanh(W_c x_t + U_c h_{t-1} + b_c), c_t = f_t o c_{t-1} + i_t o c^_t,
h_t = o_t o tanh(c_t); checked against torch.nn.LSTMCell (bias_ih the post's b_*, bias_hh zero). D = 3 inputs,
H = 3 hidden units, T = 3 steps from a random h_0, c_0. The post differentiates h_t by the forget gate's value f_t
within one step: the reference is the Jacobian of h_t = o_t o tanh(f_t o c_{t-1} + i_t o c^_t) in f_t with o_t, i_t,
c^_t and c_{t-1} held (f_t a node of its own; h_t depends on it only through c_t), from
torch.autograd.functional.jacobian, an H x H diagonal matrix. Each row of the display (lines 38-42) is evaluated with
the true values of what it names and compared with that Jacobian at every step: a vector o a Jacobian is read as the
vector's diagonal matrix times the Jacobian, a product of Jacobians in the printed order, a vector result as its
diagonal matrix; the post's tanh is torch.tanh and (c_t)^2 is the square of the cell state, as printed.
"""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2019)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
jac = torch.autograd.functional.jacobian
sig = torch.sigmoid

D, H, T = 3, 3, 3
W = {k: Tt(rng.normal(0, 0.9, (H, D))) for k in "ifoc"}
U = {k: Tt(rng.normal(0, 0.9, (H, H))) for k in "ifoc"}
b = {k: Tt(rng.normal(0, 0.5, H)) for k in "ifoc"}
xs = [None] + [Tt(rng.normal(0, 1.2, D)) for _ in range(T)]
h0, c0 = Tt(rng.normal(0, 0.6, H)), Tt(rng.normal(0, 1.0, H))

nodes = [dict(h=h0, c=c0)]
for t in range(1, T + 1):
    hp, cp = nodes[-1]["h"], nodes[-1]["c"]
    n = {k: (sig if k != "c" else torch.tanh)(W[k] @ xs[t] + U[k] @ hp + b[k]) for k in "ifoc"}
    n["chat"] = n.pop("c")
    n["c"] = n["f"] * cp + n["i"] * n["chat"]
    n["h"] = n["o"] * torch.tanh(n["c"])
    nodes.append(n)
ts = range(1, T + 1)
val = lambda t, k: nv(nodes[t][k])

# the cell is torch's LSTMCell (gate order i, f, g, o; bias_ih the post's b, bias_hh zero)
cell = torch.nn.LSTMCell(D, H)
with torch.no_grad():
    cell.weight_ih.copy_(torch.cat([W[k] for k in "ifco"]))
    cell.weight_hh.copy_(torch.cat([U[k] for k in "ifco"]))
    cell.bias_ih.copy_(torch.cat([b[k] for k in "ifco"]))
    cell.bias_hh.zero_()
    hq, cq = h0[None], c0[None]
    same = True
    for t in ts:
        hq, cq = cell(xs[t][None], (hq, cq))
        same &= close(nv(hq[0]), val(t, "h")) and close(nv(cq[0]), val(t, "c"))
print(f"   (the cell equals torch.nn.LSTMCell with bias_ih = b, bias_hh = 0: {same})")

# ---------------------------------------------------------------- forward, lines 19-21 and 29-31, in NumPy
sg = lambda a: 1 / (1 + np.exp(-a))
Wn, Un, bn = ({k: nv(m[k]) for k in "ifoc"} for m in (W, U, b))
prev = lambda t, k: nv(nodes[t - 1][k])
pre = lambda t, k: Wn[k] @ nv(xs[t]) + Un[k] @ prev(t, "h") + bn[k]
fw = {
    19: ("c_t = f_t o c_{t-1} + i_t o c^_t", lambda t: close(val(t, "f") * prev(t, "c") + val(t, "i") * val(t, "chat"),
                                                           val(t, "c"))),
    20: ("h_t = o_t o tanh(c_t)", lambda t: close(val(t, "o") * np.tanh(val(t, "c")), val(t, "h"))),
    21: ("c^_t = tanh(W_c x_t + U_c h_{t-1} + b_c)", lambda t: close(np.tanh(pre(t, "c")), val(t, "chat"))),
    29: ("i_t = sigma(W_i x_t + U_i h_{t-1} + b_i)", lambda t: close(sg(pre(t, "i")), val(t, "i"))),
    30: ("f_t = sigma(W_f x_t + U_f h_{t-1} + b_f)", lambda t: close(sg(pre(t, "f")), val(t, "f"))),
    31: ("o_t = sigma(W_o x_t + U_o h_{t-1} + b_o)", lambda t: close(sg(pre(t, "o")), val(t, "o"))),
}
for ln, (what, test) in fw.items():
    decide(ln, same and all(test(t) for t in ts), what + " (the definition of the network the truth builds; with the "
           "other five lines it is torch's LSTMCell)")

# ---------------------------------------------------------------- lines 38-42: dh_t/df_t within step t


def h_of_f(t, f):
    """h_t as a function of f_t, with o_t, i_t, c^_t and c_{t-1} held."""
    c = f * Tt(prev(t, "c")) + Tt(val(t, "i")) * Tt(val(t, "chat"))
    return Tt(val(t, "o")) * torch.tanh(c)


def tanhc_of_f(t, f):
    return torch.tanh(f * Tt(prev(t, "c")) + Tt(val(t, "i")) * Tt(val(t, "chat")))


J = {t: nv(jac(lambda f: h_of_f(t, f), Tt(val(t, "f")))) for t in ts}              # dh_t/df_t, the left side
J_tanh_f = {t: nv(jac(lambda f: tanhc_of_f(t, f), Tt(val(t, "f")))) for t in ts}   # d tanh(c_t)/df_t
J_tanh_c = {t: nv(jac(torch.tanh, Tt(val(t, "c")))) for t in ts}                    # d tanh(c_t)/dc_t
J_c_f = {t: nv(jac(lambda f: f * Tt(prev(t, "c")) + Tt(val(t, "i")) * Tt(val(t, "chat")), Tt(val(t, "f"))))
         for t in ts}                                                               # dc_t/df_t = diag(c_{t-1})
dg = np.diag

r39 = {t: dg(val(t, "o") / val(t, "f") * np.tanh(val(t, "c"))) + dg(val(t, "o")) @ J_tanh_f[t] for t in ts}
print(f"   (line 39: its second term o_t o d tanh(c_t)/df_t alone is the Jacobian: "
      f"{all(close(dg(val(t, 'o')) @ J_tanh_f[t], J[t]) for t in ts)}; the product rule's first term is "
      f"(do_t/df_t) o tanh(c_t) = 0, o_t does not depend on f_t)")
decide(39, all(close(r39[t], J[t]) for t in ts),
       "the product rule on h_t = o_t o tanh(c_t) gives (do_t/df_t) o tanh(c_t) + o_t o d tanh(c_t)/df_t, and "
       "do_t/df_t = 0; the line writes o_t/f_t, a quotient, whose term o_t/f_t o tanh(c_t) is not zero")

r40 = {t: dg(val(t, "o")) @ J_tanh_c[t] @ J_c_f[t] for t in ts}
decide(40, all(close(r40[t], J[t]) for t in ts),
       "o_t o d tanh(c_t)/dc_t dc_t/df_t: the chain through c_t, o_t held")

r41 = {t: dg(val(t, "o") * (1 - val(t, "c") ** 2)) @ J_c_f[t] for t in ts}
print(f"   (line 41 with 1 - tanh^2(c_t) for 1 - (c_t)^2 gives the Jacobian: "
      f"{all(close(dg(val(t, 'o') * (1 - np.tanh(val(t, 'c')) ** 2)) @ J_c_f[t], J[t]) for t in ts)})")
decide(41, all(close(r41[t], J[t]) for t in ts),
       "d tanh(c_t)/dc_t = 1 - tanh^2(c_t), not 1 - (c_t)^2 (the derivative written in terms of the output of tanh "
       "with the input c_t in its place); the last factor, d(f_t o c_{t-1} + i_t o c^_t)/df_t, is right")

r42 = {t: dg(val(t, "o") * (1 - val(t, "c") ** 2) * prev(t, "c")) for t in ts}
decide(42, all(close(r42[t], J[t]) for t in ts),
       "line 41 with its last factor evaluated (diag(c_{t-1})): the same 1 - (c_t)^2 in place of 1 - tanh^2(c_t)")
finish()
