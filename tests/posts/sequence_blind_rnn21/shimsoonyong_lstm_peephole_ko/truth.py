"""Truth for ShimSoonYong's Korean lecture notebook 'Recurrent Neural Networks and LSTM'
(ShimSoonYong/Artificial_Intelligence, 인공지능/강의노트/RNN_LSTM.ipynb at commit 8937b0c), the LSTM part: the
parameters, the forward pass at time t, the log loss and delta_o, and the backward pass (epsilon_h, epsilon_s, the
four deltas (13)-(17) and the parameter gradients), decided without derive.

The notebook's own network, built in torch float64 from its forward lines (post.md lines 24-66): z_h memory blocks of
one cell each (i indexes the block), a_alpha (the cell input, no peephole), a_beta (input gate) and a_gamma (forget
gate) reading x^t, h^(t-1) and the cell's own s^(t-1) through the peephole weights w_i^{s beta}, w_i^{s gamma},
a_mu (output gate) reading the new state s^t through w_i^{s mu}; s^t = f_gamma(a_gamma) s^(t-1) +
f_beta(a_beta) f_alpha(a_alpha); h^t = f_mu(a_mu) f_H(s^t); a linear output layer o^t = a_o^t = W^{ho} h^t + b^o with
a softmax, and L = -sum_t ln y_{d^t}^t (line 79). The notebook leaves the squashing functions open: as in Graves
(whose notation the lecture follows) the gates f_beta, f_gamma, f_mu are the logistic and f_alpha = f_H = tanh
(line 217 calls f_alpha g). z_x = 3 inputs, z_h = 3 blocks, z_o = 3 classes, T = 4 steps from a random h^0, s^0.
The backward section's cost C (also \\mathcal{C}) is read as L.

References from autograd: the gradient of L at every node (retain_grad) gives epsilon_h^t = dL/dh^t,
epsilon_s^t = dL/ds^t (the totals), delta_o^t, delta_alpha^t, delta_beta^t, delta_gamma^t, delta_mu^t, and the
weights' gradients; the within-step derivatives dh^t/ds^t (with a_mu^t recomputed from s^t) and ds^(t+1)/ds^t (with
h^t and x^(t+1) held, a_beta^(t+1), a_gamma^(t+1) recomputed from s^t) from torch.autograd.functional.jacobian. Each
line is judged locally: its right side is evaluated with the true values of what it names and compared with the true
value of its left side, for every t and block; quantities of step T+1 are zero.
"""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2124)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
sig = torch.sigmoid
jac = torch.autograd.functional.jacobian

ZX, ZH, ZO, T = 3, 3, 3, 4
G = ("alpha", "beta", "gamma", "mu")
Wx = {g: Tt(rng.normal(0, 0.8, (ZX, ZH))) for g in G}       # w_{k,i}^{x g}: from input k to block i
Wh = {g: Tt(rng.normal(0, 0.8, (ZH, ZH))) for g in G}       # w_{k,i}^{h g}: from hidden k to block i
Ws = {g: Tt(rng.normal(0, 0.8, ZH)) for g in ("beta", "gamma", "mu")}   # peepholes w_i^{s g}
B = {g: Tt(rng.normal(0, 0.3, ZH)) for g in G}
Who = Tt(rng.normal(0, 0.9, (ZH, ZO)))                      # w_{k,i}^{ho}
Bo = Tt(rng.normal(0, 0.3, ZO))
xs = [None] + [Tt(rng.normal(0, 1.0, ZX)) for _ in range(T)]
h0, s0 = Tt(rng.normal(0, 0.5, ZH)), Tt(rng.normal(0, 0.5, ZH))
d = [None] + [int(rng.integers(0, ZO)) for _ in range(T)]
params = [*Wx.values(), *Wh.values(), *Ws.values(), *B.values(), Who, Bo]
for p in params:
    p.requires_grad_()
f_alpha = f_H = torch.tanh
f_gate = sig


def step(x, hp, sp):
    """One forward step (lines 24-60): the pre-activations, the state, h and a_o."""
    n = {}
    n["a_alpha"] = x @ Wx["alpha"] + hp @ Wh["alpha"] + B["alpha"]
    n["a_beta"] = x @ Wx["beta"] + hp @ Wh["beta"] + Ws["beta"] * sp + B["beta"]
    n["a_gamma"] = x @ Wx["gamma"] + hp @ Wh["gamma"] + Ws["gamma"] * sp + B["gamma"]
    n["s"] = f_gate(n["a_gamma"]) * sp + f_gate(n["a_beta"]) * f_alpha(n["a_alpha"])
    n["a_mu"] = x @ Wx["mu"] + hp @ Wh["mu"] + Ws["mu"] * n["s"] + B["mu"]
    n["h"] = f_gate(n["a_mu"]) * f_H(n["s"])
    n["a_o"] = n["h"] @ Who + Bo
    return n


nodes = [dict(h=h0, s=s0)]
L = 0
for t in range(1, T + 1):
    n = step(xs[t], nodes[t - 1]["h"], nodes[t - 1]["s"])
    for v in n.values():
        v.retain_grad()
    L = L - torch.log_softmax(n["a_o"], 0)[d[t]]
    nodes.append(n)
L.backward()
ts = range(1, T + 1)
val = lambda t, k: nv(nodes[t][k])
grad = lambda t, k: nv(nodes[t][k].grad) if 1 <= t <= T else np.zeros(ZO if k == "a_o" else ZH)
prev = lambda t, k: nv(nodes[t - 1][k])
W = {("x", g): nv(Wx[g]) for g in G} | {("h", g): nv(Wh[g]) for g in G}
ws = {g: nv(Ws[g]) for g in Ws}
sg = lambda a: 1 / (1 + np.exp(-a))
dsg = lambda a: sg(a) * (1 - sg(a))
dth = lambda a: 1 - np.tanh(a) ** 2
fa, fH, fg = np.tanh, np.tanh, sg
print(f"   (L = {L.item():.6f}, the log loss summed over T = {T} steps)")

# ---------------------------------------------------------------- forward, lines 24-66
xn = lambda t: nv(xs[t])
pre = lambda t, g: xn(t) @ W[("x", g)] + prev(t, "h") @ W[("h", g)] + nv(B[g])
y = lambda t: np.exp(val(t, "a_o")) / np.exp(val(t, "a_o")).sum()
fw = {
    24: ("a_alpha^t = sum_k w^{x alpha} x_k^t + sum_k w^{h alpha} h_k^(t-1) + b^alpha (the cell input, no peephole)",
         lambda t: close(pre(t, "alpha"), val(t, "a_alpha"))),
    30: ("a_beta^t with the peephole w_i^{s beta} s_i^(t-1)",
         lambda t: close(pre(t, "beta") + ws["beta"] * prev(t, "s"), val(t, "a_beta"))),
    36: ("a_gamma^t with the peephole w_i^{s gamma} s_i^(t-1)",
         lambda t: close(pre(t, "gamma") + ws["gamma"] * prev(t, "s"), val(t, "a_gamma"))),
    42: ("a_mu^t with the peephole w_i^{s mu} s_i^t (the new state)",
         lambda t: close(pre(t, "mu") + ws["mu"] * val(t, "s"), val(t, "a_mu"))),
    48: ("s_i^t = f_gamma(a_gamma^t) s_i^(t-1) + f_beta(a_beta^t) f_alpha(a_alpha^t)",
         lambda t: close(fg(val(t, "a_gamma")) * prev(t, "s") + fg(val(t, "a_beta")) * fa(val(t, "a_alpha")),
                         val(t, "s"))),
    54: ("h_i^t = f_mu(a_mu^t) f_H(s_i^t)", lambda t: close(fg(val(t, "a_mu")) * fH(val(t, "s")), val(t, "h"))),
    60: ("o_i^t = a_o^t = sum_k w^{ho} h_k^t + b^o, linear",
         lambda t: close(val(t, "h") @ nv(Who) + nv(Bo), val(t, "a_o"))),
    66: ("y_i^t = softmax(o^t)_i", lambda t: close(y(t), nv(torch.softmax(nodes[t]["a_o"], 0)))),
}
for ln, (what, test) in fw.items():
    decide(ln, all(test(t) for t in ts), what + " (the definition of the network the truth builds)")

# ---------------------------------------------------------------- the loss and delta_o, lines 79-104
Ln = L.item()
decide(79, np.isclose(-np.log(np.prod([y(t)[d[t]] for t in ts])), Ln, atol=1e-12) and
       np.isclose(-sum(np.log(y(t)[d[t]]) for t in ts), Ln, atol=1e-12),
       "L = -ln prod_t y_{d^t}^t = -sum_t ln y_{d^t}^t")
decide(86, all(close(y(t), nv(torch.softmax(nodes[t]["a_o"], 0))) for t in ts), "y_i^t = softmax(o^t)_i, restated")
decide(93, np.isclose(sum(-val(t, "a_o")[d[t]] + np.log(np.exp(val(t, "a_o")).sum()) for t in ts), Ln, atol=1e-12),
       "L = sum_t (-a_{o,d^t}^t + ln sum_j e^{a_{o,j}^t})")


def d_term(t):
    a = Tt(val(t, "a_o")).requires_grad_()
    (-a[d[t]] + torch.logsumexp(a, 0)).backward()
    return nv(a.grad)


decide(100, all(close(d_term(t), grad(t, "a_o")) for t in ts),
       "delta_o^t = dL/da_o^t = the derivative of step t's term -a_{o,d^t}^t + ln sum_j e^{a_{o,j}^t}")
onehot = lambda t: np.eye(ZO)[d[t]]
decide(104, all(close(-onehot(t) + y(t), grad(t, "a_o")) for t in ts), "delta_o^t = -1_{i=d^t} + y_i^t")

# ---------------------------------------------------------------- epsilon_h, lines 125-133
eps_h = lambda t: grad(t, "h")
eps_s = lambda t: grad(t, "s") if t <= T else np.zeros(ZH)
dl = lambda t, g: grad(t, "a_" + g)                 # delta_g^t, zero past T
r129 = {t: nv(Who) @ dl(t, "o") + sum(W[("h", g)] @ dl(t + 1, g) for g in G) for t in ts}
decide(125, all(close(r129[t], eps_h(t)) for t in ts),
       "epsilon_h^t = dC/dh_i^t with C read as a function of the units that read h_i^t, a_o^t and a_alpha, a_beta, "
       "a_gamma, a_mu of step t+1 (lines 24-42, 60): the chain over exactly those units gives autograd's dL/dh^t")
decide(129, all(close(r129[t], eps_h(t)) for t in ts),
       "sum_j dC/da_{o,j}^t da_{o,j}^t/dh_i^t + the four gates' and cell inputs' terms at t+1 (da/dh_i = w_{i,j})")
r133 = {t: nv(Who) @ dl(t + 1, "o") + sum(W[("h", g)] @ dl(t + 1, g) for g in G) for t in ts}
print(f"   (line 133 with delta_o^t for delta_o^(t+1) gives epsilon_h^t: "
      f"{all(close(nv(Who) @ dl(t, 'o') + sum(W[('h', g)] @ dl(t + 1, g) for g in G), eps_h(t)) for t in ts)})")
decide(133, all(close(r133[t], eps_h(t)) for t in ts),
       "the output layer reads h^t at step t, so its term is sum_j delta_{o,j}^t W_ij^{ho}; the line writes "
       "delta_{o,j}^(t+1), the next step's output delta")

# ---------------------------------------------------------------- epsilon_s, lines 139-201
unchecked(139, "dC(h_i^t, s_i^(t+1), struck-out a_beta^(t+1), a_gamma^(t+1), a_mu^t)/ds_i^t: a notation for what "
          "C depends on through s_i^t, with struck-out arguments; nothing to evaluate beyond its first member")


def h_of_s(t, s):
    """h^t as a function of s^t, a_mu^t recomputed from s^t (x^t, h^(t-1) held)."""
    a_mu = Tt(xn(t) @ W[("x", "mu")] + prev(t, "h") @ W[("h", "mu")] + nv(B["mu"])) + Tt(ws["mu"]) * s
    return sig(a_mu) * torch.tanh(s)


def snext_of_s(t, s):
    """s^(t+1) as a function of s^t, h^t and x^(t+1) held, a_beta^(t+1), a_gamma^(t+1) recomputed from s^t."""
    x, hp = Tt(xn(t + 1)), Tt(val(t, "h"))
    a_al = x @ Wx["alpha"].detach() + hp @ Wh["alpha"].detach() + B["alpha"].detach()
    a_be = x @ Wx["beta"].detach() + hp @ Wh["beta"].detach() + Ws["beta"].detach() * s + B["beta"].detach()
    a_ga = x @ Wx["gamma"].detach() + hp @ Wh["gamma"].detach() + Ws["gamma"].detach() * s + B["gamma"].detach()
    return sig(a_ga) * s + sig(a_be) * torch.tanh(a_al)


Jh = {t: nv(jac(lambda s: h_of_s(t, s), Tt(val(t, "s")))) for t in ts}
Js = {t: nv(jac(lambda s: snext_of_s(t, s), Tt(val(t, "s")))) for t in range(1, T)}
assert all(close(Jh[t], np.diag(np.diag(Jh[t]))) for t in ts) and all(close(Js[t], np.diag(np.diag(Js[t])))
                                                                      for t in Js)
Dh = {t: np.diag(Jh[t]) for t in ts}                        # dh_i^t/ds_i^t, through f_H and a_mu^t
Ds = {t: np.diag(Js[t]) if t < T else np.zeros(ZH) for t in ts}   # ds_i^(t+1)/ds_i^t, h^t held
two = {t: eps_h(t) * Dh[t] + eps_s(t + 1) * Ds[t] for t in ts}
ok_two = all(close(two[t], eps_s(t)) for t in ts)
decide(143, ok_two,
       "the struck-out terms dropped, dh_i^t/ds_i^t and ds_i^(t+1)/ds_i^t read as lines 147-148 say, the a_mu^t path "
       "inside the first and the a_beta^(t+1), a_gamma^(t+1) paths inside the second (as lines 157-183 compute "
       "them): epsilon_h^t dh/ds + epsilon_s^(t+1) ds^(t+1)/ds^t")
decide(151, ok_two, "the same two terms, the struck-out terms gone")
decide(187, ok_two, "the same two terms, restated")

r157 = {t: fg(val(t, "a_mu")) * dth(val(t, "s")) + dsg(val(t, "a_mu")) * ws["mu"] * fH(val(t, "s")) for t in ts}
for ln, what in ((157, "product rule on h = f_mu(a_mu) f_H(s), a_mu^t a function of s^t (line 42): f_mu df_H/ds + "
                       "df_mu/ds f_H"),
                 (161, "df_mu/ds = (df_mu/da_mu)(da_mu/ds)"),
                 (165, "= f_mu f_H'(s) + f_mu'(a_mu) W^{s mu} f_H(s)")):
    decide(ln, all(close(r157[t], Dh[t]) for t in ts), what + "; compared with the Jacobian dh^t/ds^t")

tt = range(1, T)                                            # lines 171-183 need a step t+1
true_next = {t: val(t + 1, "s") for t in tt}
r171 = {t: fg(val(t + 1, "a_gamma")) * val(t, "s") + fg(val(t + 1, "a_beta")) * fa(val(t, "a_alpha")) for t in tt}
decide(171, all(close(r171[t], true_next[t]) for t in tt),
       "line 48 one step on gives s^(t+1) = f_gamma(a_gamma^(t+1)) s^t + f_beta(a_beta^(t+1)) f_alpha(a_alpha^(t+1)); "
       "the line keeps a_alpha^t, the cell input of step t")
printed = {t: fg(val(t + 1, "a_gamma")) + dsg(val(t + 1, "a_gamma")) * ws["gamma"] * val(t, "s") +
           dsg(val(t + 1, "a_beta")) * ws["beta"] * fa(val(t, "a_alpha")) for t in tt}
decide(175, all(close(printed[t], Ds[t]) for t in tt),
       "the derivative of line 171's expression by s^t (a_alpha^t does not depend on s^t): f_alpha(a_alpha^t) where "
       "ds^(t+1)/ds^t has f_alpha(a_alpha^(t+1)), line 171's slip")
decide(179, all(close(printed[t], Ds[t]) for t in tt),
       "the product rule on line 175's bracket: the same value, its last term zero, f_alpha(a_alpha^t) carried")
w_sa = rng.normal(0, 0.8, ZH)                               # W^{s alpha}: a weight the network does not have
r183 = lambda wsa: {t: dsg(val(t + 1, "a_gamma")) * ws["gamma"] * val(t, "s") + fg(val(t + 1, "a_gamma")) +
                    dsg(val(t + 1, "a_beta")) * ws["beta"] * fa(val(t, "a_alpha")) +
                    fg(val(t + 1, "a_beta")) * dth(val(t + 1, "a_alpha")) * wsa for t in tt}
print(f"   (line 183 with W^{{s alpha}} = 0, the only value the network allows, equals lines 175-179 and is wrong: "
      f"{not all(close(r183(0)[t], Ds[t]) for t in tt)}; with a nonzero W^{{s alpha}}: "
      f"{not all(close(r183(w_sa)[t], Ds[t]) for t in tt)})")
decide(183, all(close(r183(w_sa)[t], Ds[t]) for t in tt),
       "f_gamma' W^{s gamma} s^t + f_gamma + f_beta' W^{s beta} f_alpha(a_alpha^t) + f_beta f_alpha'(a_alpha^(t+1)) "
       "W^{s alpha}: the third term carries f_alpha(a_alpha^t), and the fourth differentiates the cell input as "
       "though it read s^t through a peephole W^{s alpha} that line 24 and the parameter table do not have "
       "(its true value is 0)")

r201 = lambda wsa: {t: eps_h(t) * (fg(val(t, "a_mu")) * dth(val(t, "s")) + fg(val(t, "a_mu")) -
                                   ws["mu"] * fH(val(t, "s"))) +
                    (eps_s(t + 1) * (dsg(val(t + 1, "a_gamma")) * ws["gamma"] * val(t, "s") +
                                     fg(val(t + 1, "a_gamma")) +
                                     dsg(val(t + 1, "a_beta")) * ws["beta"] * fa(val(t + 1, "a_alpha")) +
                                     fg(val(t + 1, "a_beta")) * dth(val(t + 1, "a_alpha")) * wsa[:ZH])
                     if t < T else 0) for t in ts}
fixed = {t: eps_h(t) * (fg(val(t, "a_mu")) * dth(val(t, "s")) + dsg(val(t, "a_mu")) * ws["mu"] * fH(val(t, "s"))) +
         (eps_s(t + 1) * (dsg(val(t + 1, "a_gamma")) * ws["gamma"] * val(t, "s") + fg(val(t + 1, "a_gamma")) +
                          dsg(val(t + 1, "a_beta")) * ws["beta"] * fa(val(t + 1, "a_alpha"))) if t < T else 0)
         for t in ts}
print(f"   ((13) with f_mu'(a_mu) W^{{s mu}} f_H for f_mu(a_mu) - W^{{s mu}} f_H and without the W^{{s alpha}} term "
      f"gives epsilon_s^t: {all(close(fixed[t], eps_s(t)) for t in ts)})")
print(f"   ((13) as printed, W^{{s alpha}} = 0, gives epsilon_s^t: {all(close(r201(np.zeros(ZH))[t], eps_s(t)) for t in ts)})")
decide(201, all(close(r201(w_sa)[t], eps_s(t)) for t in ts),
       "(13), lines 193-201: the first brace writes f_mu(a_mu) - W^{s mu} f_H(s) where line 165 has "
       "f_mu'(a_mu) W^{s mu} f_H(s), and the bracket keeps line 183's W^{s alpha} term (f'_mu(a_gamma^(t+1)) for "
       "f'_gamma is the same logistic derivative)")

r205 = {t: eps_h(t) * dsg(val(t, "a_mu")) * fH(val(t, "s")) for t in ts}
decide(205, all(close(r205[t], dl(t, "mu")) for t in ts), "(14) delta_mu^t = epsilon_h^t f_mu'(a_mu^t) f_H(s^t)")
r209 = {t: eps_s(t) * fg(val(t, "a_beta")) * dth(val(t, "a_alpha")) for t in ts}
decide(209, all(close(r209[t], dl(t, "alpha")) for t in ts),
       "(15) delta_alpha^t (written delta_a) = epsilon_s^t f_beta(a_beta^t) f_alpha'(a_alpha^t)")
r213 = {t: eps_s(t) * dsg(val(t, "a_gamma")) * prev(t, "s") for t in ts}
decide(213, all(close(r213[t], dl(t, "gamma")) for t in ts), "(16) delta_gamma^t = epsilon_s^t f_gamma' s^(t-1)")
r217 = {t: eps_s(t) * dsg(val(t, "a_beta")) * fa(val(t, "a_alpha")) for t in ts}
decide(217, all(close(r217[t], dl(t, "beta")) for t in ts),
       "(17) delta_beta^t = epsilon_s^t f_beta'(a_beta^t) g(a_alpha^t), g read as f_alpha")

# ---------------------------------------------------------------- parameter gradients, lines 223-265
gW = lambda p: nv(p.grad)
outer = lambda src, g: sum(np.outer(src(t), dl(t, g)) for t in ts)
xsrc = lambda t: xn(t)
hprev = lambda t: prev(t, "h")
decide(223, close(outer(xsrc, "alpha"), gW(Wx["alpha"])), "sum_t delta_{alpha,j}^t x_i^t")
decide(230, close(sum(dl(t, "beta") for t in ts), gW(B["beta"])), "sum_t delta_{beta,i}^t")
decide(234, close(outer(hprev, "gamma"), gW(Wh["gamma"])), "sum_t delta_{gamma,j}^t h_i^(t-1)")
for ln, g in zip((241, 242, 243, 244), G):
    decide(ln, close(outer(xsrc, g), gW(Wx[g])), f"grad W^{{x {g}}}_ij = sum_t delta_{{{g},j}}^t x_i^t")
unchecked(245, "grad W^{xh}_ij = sum_t delta_{o,j}^t h_i^(t-1): the network has no weight W^{xh} (the parameter "
          "table, lines 3-10, and the forward lines list none); delta_o multiplies only W^{ho}, whose row is line 250")
for ln, g in zip((246, 247, 248, 249), G):
    decide(ln, close(outer(hprev, g), gW(Wh[g])), f"grad W^{{h {g}}}_ij = sum_t delta_{{{g},j}}^t h_i^(t-1)")
decide(250, close(sum(np.outer(val(t, "h"), dl(t, "o")) for t in ts), gW(Who)), "sum_t delta_{o,j}^t h_i^t")
decide(255, close(sum(dl(t, "beta") * prev(t, "s") for t in ts), gW(Ws["beta"])),
       "sum_t delta_beta^t s_i^(t-1), delta_beta read as block i's")
decide(256, close(sum(dl(t, "gamma") * prev(t, "s") for t in ts), gW(Ws["gamma"])), "sum_t delta_gamma^t s_i^(t-1)")
decide(257, close(sum(dl(t, "mu") * val(t, "s") for t in ts), gW(Ws["mu"])), "sum_t delta_mu^t s_i^t (the new state)")
for ln, g in zip((261, 262, 263, 264), G):
    decide(ln, close(sum(dl(t, g) for t in ts), gW(B[g])), f"grad b^{g}_i = sum_t delta_{{{g},i}}^t")
decide(265, close(sum(dl(t, "o") for t in ts), gW(Bo)), "grad b^o_i = sum_t delta_{o,i}^t")
finish()
