"""Truth for iofu728's '试谈`RNN`中`门`的变迁' (iofu728/blog, docs/NLP/rnn.md at commit 7574847), the LSTM section: the
forward pass and the backward pass of an LSTM with peepholes in Alex Graves's notation, decided without derive.

The post's own network, built in torch float64 from its forward equations (lines 21-45): memory blocks of C cells
sharing an input gate l, a forget gate phi and an output gate omega, with peepholes from the block's own cells
(w_cl, w_cphi read s_c^(t-1), w_comega reads s_c^t), a_c^t = sum_i w_ic x_i^t + sum_h w_hc b_h^(t-1),
s_c^t = b_phi^t s_c^(t-1) + b_l^t g(a_c^t), b_c^t = b_omega^t h(s_c^t); the hidden units b_h are the cell outputs of
all blocks. The post leaves f, g, h and the loss Gamma open: as in Graves's 'Supervised Sequence Labelling with
Recurrent Neural Networks' (the post's reference 5, section 4.6), f the logistic, g = h = tanh, and an output layer
a_k^t = sum_h w_hk b_h^t with a softmax and the cross-entropy at every step, summed (delta_k^t = dGamma/da_k^t).
B = 2 blocks of C = 2 cells, I = 3 inputs, K = 3 classes, T = 4 steps from a random b^(0), s^(0), no biases (the post
writes none).

Names, read as Graves defines them: epsilon_c^t = dGamma/db_c^t and epsilon_s^t = dGamma/ds_c^t (line 51, the
totals); delta_g^t = dGamma/da_g^t for every unit g; the post's epsilon_omega, epsilon_phi, epsilon_l (lines 59, 71,
75) are Graves's delta_omega, delta_phi, delta_l, the gradients at the gates' inputs, which line 63 itself calls
delta_phi^(t+1) and delta_w^t (w read as omega). Quantities of step T + 1 are zero. References from autograd: the
gradient of Gamma at every node (retain_grad). Each line is judged locally: its right side is evaluated with the true
values of what it names and compared with the true value of its left side, for every t and every cell or block.
"""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(1618)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
sig = torch.sigmoid

B, C, I, K, T = 2, 2, 3, 3, 4
H = B * C                                          # the hidden units b_h: the cell outputs of all blocks
blk = np.repeat(np.arange(B), C)                   # the block of each cell
Wx = {g: Tt(rng.normal(0, 0.8, (B, I))) for g in ("l", "phi", "omega")}                         # w_ig
Wh = {g: Tt(rng.normal(0, 0.8, (B, H))) for g in ("l", "phi", "omega")}                         # w_hg
Wp = {g: Tt(rng.normal(0, 0.8, (B, C))) for g in ("l", "phi", "omega")}                         # w_cg, peepholes
Wxc = Tt(rng.normal(0, 0.8, (H, I)))               # w_ic
Whc = Tt(rng.normal(0, 0.8, (H, H)))               # w_hc
Wk = Tt(rng.normal(0, 0.9, (K, H)))                # w_hk (w_ck), the output layer
xs = [None] + [Tt(rng.normal(0, 1.0, I)) for _ in range(T)]
b0 = Tt(rng.normal(0, 0.5, H))
s0 = Tt(rng.normal(0, 0.5, H))
labels = [None] + [int(rng.integers(0, K)) for _ in range(T)]
for w in [*Wx.values(), *Wh.values(), *Wp.values(), Wxc, Whc, Wk]:
    w.requires_grad_()
bt = lambda v: torch.as_tensor(v)[torch.as_tensor(blk)]   # a block quantity spread over the block's cells


def peep(g, s):
    """sum_(c in the block) w_cg s_c, one value a block."""
    return (Wp[g] * s.reshape(B, C)).sum(1)


nodes = [dict(b=b0, s=s0)]
Gamma = 0
for t in range(1, T + 1):
    bp, sp = nodes[t - 1]["b"], nodes[t - 1]["s"]
    n = {}
    n["a_l"] = Wx["l"] @ xs[t] + Wh["l"] @ bp + peep("l", sp)
    n["a_phi"] = Wx["phi"] @ xs[t] + Wh["phi"] @ bp + peep("phi", sp)
    n["a_c"] = Wxc @ xs[t] + Whc @ bp
    n["b_l"], n["b_phi"] = sig(n["a_l"]), sig(n["a_phi"])
    n["s"] = bt(n["b_phi"]) * sp + bt(n["b_l"]) * torch.tanh(n["a_c"])
    n["a_omega"] = Wx["omega"] @ xs[t] + Wh["omega"] @ bp + peep("omega", n["s"])
    n["b_omega"] = sig(n["a_omega"])
    n["b"] = bt(n["b_omega"]) * torch.tanh(n["s"])
    n["a_k"] = Wk @ n["b"]
    for v in n.values():
        v.retain_grad()
    Gamma = Gamma - torch.log_softmax(n["a_k"], 0)[labels[t]]
    nodes.append(n)
Gamma.backward()
ts = range(1, T + 1)
val = lambda t, k: nv(nodes[t][k])
grad = lambda t, k: nv(nodes[t][k].grad) if t <= T else np.zeros_like(val(T, k))   # step T + 1: zero
prev_s = lambda t: nv(s0) if t == 1 else val(t - 1, "s")
np_ = {g: nv(Wp[g]).reshape(H) for g in Wp}       # the peephole weight of each cell to its block's gate g
spread = lambda v: v[blk]
blocksum = lambda v: v.reshape(B, C).sum(1)
dsg = lambda a: 1 / (1 + np.exp(-a)) * (1 - 1 / (1 + np.exp(-a)))
dth = lambda a: 1 - np.tanh(a) ** 2
print(f"   (Gamma = {Gamma.item():.6f}, the cross-entropy summed over T = {T} steps)")

# ---------------------------------------------------------------- forward, lines 21-45, re-evaluated in NumPy
sgn = lambda a: 1 / (1 + np.exp(-a))
Wxn, Whn = {g: nv(Wx[g]) for g in Wx}, {g: nv(Wh[g]) for g in Wh}
prev_b = lambda t: nv(b0) if t == 1 else val(t - 1, "b")
xn = lambda t: nv(xs[t])
fw = {
    21: ("a_l^t = sum_i w_il x_i^t + sum_h w_hl b_h^(t-1) + sum_c w_cl s_c^(t-1) (the peepholes read the block's own "
         "cells)", lambda t: close(Wxn["l"] @ xn(t) + Whn["l"] @ prev_b(t) + blocksum(np_["l"] * prev_s(t)),
                                   val(t, "a_l"))),
    23: ("b_l^t = f(a_l^t), f the logistic", lambda t: close(sgn(val(t, "a_l")), val(t, "b_l"))),
    27: ("a_phi^t, the forget gate's input, with the peepholes from s_c^(t-1)",
         lambda t: close(Wxn["phi"] @ xn(t) + Whn["phi"] @ prev_b(t) + blocksum(np_["phi"] * prev_s(t)),
                         val(t, "a_phi"))),
    29: ("b_phi^t = f(a_phi^t)", lambda t: close(sgn(val(t, "a_phi")), val(t, "b_phi"))),
    33: ("a_c^t = sum_i w_ic x_i^t + sum_h w_hc b_h^(t-1)",
         lambda t: close(nv(Wxc) @ xn(t) + nv(Whc) @ prev_b(t), val(t, "a_c"))),
    35: ("s_c^t = b_phi^t s_c^(t-1) + b_l^t g(a_c^t), g = tanh",
         lambda t: close(spread(val(t, "b_phi")) * prev_s(t) + spread(val(t, "b_l")) * np.tanh(val(t, "a_c")),
                         val(t, "s"))),
    39: ("a_omega^t, the output gate's input, with the peepholes from the new state s_c^t",
         lambda t: close(Wxn["omega"] @ xn(t) + Whn["omega"] @ prev_b(t) + blocksum(np_["omega"] * val(t, "s")),
                         val(t, "a_omega"))),
    41: ("b_omega^t = f(a_omega^t)", lambda t: close(sgn(val(t, "a_omega")), val(t, "b_omega"))),
    45: ("b_c^t = b_omega^t h(s_c^t), h = tanh",
         lambda t: close(spread(val(t, "b_omega")) * np.tanh(val(t, "s")), val(t, "b"))),
}
for ln, (what, test) in fw.items():
    decide(ln, all(test(t) for t in ts), what + " (the definition of the network the truth builds)")

# ---------------------------------------------------------------- backward, lines 55-75
eps_c = lambda t: grad(t, "b")                    # epsilon_c^t = dGamma/db_c^t (line 51)
eps_s = lambda t: grad(t, "s") if t <= T else np.zeros(H)
d = lambda t, k: grad(t, k) if t <= T else np.zeros_like(val(T, k))   # delta_g^t = dGamma/da_g^t

# line 55: the units g of step t+1 that read b_c^t are the three gates of every block and the cells' inputs
r55 = {t: nv(Wk).T @ d(t, "a_k") + Whn["l"].T @ d(t + 1, "a_l") + Whn["phi"].T @ d(t + 1, "a_phi") +
       Whn["omega"].T @ d(t + 1, "a_omega") + nv(Whc).T @ d(t + 1, "a_c") for t in ts}
decide(55, all(close(r55[t], eps_c(t)) for t in ts),
       "b_c^t reaches Gamma through the output layer at t (w_ck delta_k^t) and through every gate and cell input of "
       "step t+1 (w_cg delta_g^(t+1)); nothing at step T+1")

r59 = {t: dsg(val(t, "a_omega")) * blocksum(np.tanh(val(t, "s")) * eps_c(t)) for t in ts}
decide(59, all(close(r59[t], d(t, "a_omega")) for t in ts),
       "epsilon_omega^t read as Graves's delta_omega^t = dGamma/da_omega^t: f'(a_omega^t) sum_c h(s_c^t) epsilon_c^t")

# line 63 as printed, and Graves's own state equation beside it
r63 = {t: spread(val(t, "b_omega")) * dth(val(t, "s")) +
       (spread(val(t + 1, "b_phi")) * eps_s(t + 1) if t < T else 0) +
       np_["phi"] * spread(d(t + 1, "a_phi")) + np_["omega"] * spread(d(t, "a_omega")) for t in ts}
graves = {t: spread(val(t, "b_omega")) * dth(val(t, "s")) * eps_c(t) +
          (spread(val(t + 1, "b_phi")) * eps_s(t + 1) if t < T else 0) +
          np_["l"] * spread(d(t + 1, "a_l")) + np_["phi"] * spread(d(t + 1, "a_phi")) +
          np_["omega"] * spread(d(t, "a_omega")) for t in ts}
print(f"   (Graves's state equation, b_omega h'(s) epsilon_c + b_phi^(t+1) epsilon_s^(t+1) + w_cl delta_l^(t+1) + "
      f"w_cphi delta_phi^(t+1) + w_comega delta_omega^t, gives epsilon_s^t: "
      f"{all(close(graves[t], eps_s(t)) for t in ts)})")
only_eps = {t: r63[t] - spread(val(t, "b_omega")) * dth(val(t, "s")) +
            spread(val(t, "b_omega")) * dth(val(t, "s")) * eps_c(t) for t in ts}
print(f"   (line 63 with epsilon_c^t restored but w_cl delta_l^(t+1) still missing gives epsilon_s^t: "
      f"{all(close(only_eps[t], eps_s(t)) for t in ts)})")
decide(63, all(close(r63[t], eps_s(t)) for t in ts),
       "s_c^t reaches Gamma through b_c^t, so the first term is b_omega^t h'(s_c^t) epsilon_c^t (the line drops "
       "epsilon_c^t), and through the input gate's peephole at t+1, w_cl delta_l^(t+1), which the line leaves out")

r67 = {t: spread(val(t, "b_l")) * dth(val(t, "a_c")) * eps_s(t) for t in ts}
decide(67, all(close(r67[t], d(t, "a_c")) for t in ts),
       "delta_c^t = dGamma/da_c^t = b_l^t g'(a_c^t) epsilon_s^t (a_c^t reaches Gamma only through s_c^t)")

r71 = {t: dsg(val(t, "a_phi")) * blocksum(prev_s(t) * eps_s(t)) for t in ts}
decide(71, all(close(r71[t], d(t, "a_phi")) for t in ts),
       "epsilon_phi^t read as delta_phi^t = dGamma/da_phi^t: f'(a_phi^t) sum_c s_c^(t-1) epsilon_s^t")

r75 = {t: dsg(val(t, "a_l")) * blocksum(np.tanh(val(t, "a_c")) * eps_s(t)) for t in ts}
decide(75, all(close(r75[t], d(t, "a_l")) for t in ts),
       "epsilon_l^t read as delta_l^t = dGamma/da_l^t: f'(a_l^t) sum_c g(a_c^t) epsilon_s^t")
finish()
