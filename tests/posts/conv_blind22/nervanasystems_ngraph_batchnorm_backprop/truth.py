"""Independent truth for tests/posts/conv_blind22/nervanasystems_ngraph_batchnorm_backprop (NumPy and torch, no derive).

The source is the reStructuredText page of nGraph's BatchNormTrainingBackprop op (NervanaSystems/ngraph,
doc/sphinx/source/ops/batch_norm_training_backprop.rst). Per channel, with the remaining axes flattened into an
N-element vector, it writes the forward training computation as a staged graph (lines 72-78: mean, centered_i,
square_i, variance, invsqrt = 1/sqrt(variance + eps), gmul = gamma invsqrt, normed_i = centered_i gmul + beta) and then
works backwards in its own notation (lines 88-98): overline{x} is x_delta (the gradient of the loss by x) and
'overline{x} <- y' means 'the backprop value for x_delta is a sum that includes y', so every backward line states ONE
contribution to a node's gradient, the one through one edge of the graph.

Each backward line is therefore checked as that edge's contribution, with the true gradients of the nodes it names on
its right-hand side: the graph is built in torch float64 on a random input of shape (4, C = 3, 2, 2) (N = 16 values a
channel), checked against torch's batch_norm in training mode, L = sum(G * normed) for a random G = normed_delta; the
total node gradients come from retain_grad, and an edge's own contribution from torch.autograd.grad of the one node
recomputed from fresh leaves (the other inputs held fixed). Where a node has two contributions (centered through
normed and through square; input through centered and through mean), the two edges are also checked to add up to the
node's total gradient. A line whose value has another shape than the node (a vector for a per-channel scalar) is
wrong. The forward lines are checked against torch."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(2202)
B, C, H, W = 4, 3, 2, 2
eps = 1e-3
X4 = rng.normal(0.4, 1.5, size=(B, C, H, W))
gamma, beta = rng.normal(1.0, 0.5, size=C), rng.normal(size=C)
G4 = rng.normal(size=(B, C, H, W))                          # normed_delta, the incoming gradient
T = lambda a: torch.tensor(a, dtype=torch.float64)
num = lambda t: t.detach().numpy()


def per_channel(a4):
    """(B, C, H, W) -> (C, N): 'looking at a single channel and flattening the remaining axes into a vector'"""
    return np.moveaxis(a4, 1, 0).reshape(C, -1)


x, G = per_channel(X4), per_channel(G4)
N = x.shape[1]


def same(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b)


# ---- the staged graph of lines 72-78, every node kept
def keep(t):
    t.retain_grad()
    return t


inp = T(x).requires_grad_()
gam = T(gamma).requires_grad_()
bet = T(beta).requires_grad_()
mean = keep(inp.sum(1) / N)
centered = keep(inp - mean[:, None])
square = keep(centered ** 2)
variance = keep(square.sum(1) / N)
invsqrt = keep(1 / torch.sqrt(variance + eps))
gmul = keep(gam * invsqrt)
normed = keep(centered * gmul[:, None] + bet[:, None])
(normed * T(G)).sum().backward()
bar = {k: v.grad.numpy() for k, v in dict(input=inp, gamma=gam, beta=bet, mean=mean, centered=centered, square=square,
                                           variance=variance, invsqrt=invsqrt, gmul=gmul, normed=normed).items()}
val = {k: num(v) for k, v in dict(mean=mean, centered=centered, square=square, variance=variance, invsqrt=invsqrt,
                                   gmul=gmul, normed=normed).items()}
assert np.allclose(bar["normed"], G)

ref = F.batch_norm(T(X4), None, None, T(gamma), T(beta), training=True, eps=eps)
assert np.allclose(per_channel(num(ref)), val["normed"])


def edge(f, inputs, which, out_bar):
    """the contribution to d L / d inputs[which] through the node out = f(*inputs) alone: sum(out_bar * out) by that
    input, the other inputs held fixed (fresh leaves, so no other path of the graph takes part)"""
    leaves = [T(a).requires_grad_(k == which) for k, a in enumerate(inputs)]
    out = f(*leaves)
    (g,) = torch.autograd.grad(out, leaves[which], grad_outputs=T(out_bar))
    return g.numpy()


# the nodes as functions of their inputs (lines 72-78)
f_mean = lambda i: i.sum(1) / N
f_centered = lambda i, m: i - m[:, None]
f_square = lambda c: c ** 2
f_variance = lambda s: s.sum(1) / N
f_invsqrt = lambda v: 1 / torch.sqrt(v + eps)
f_gmul = lambda g, r: g * r
f_normed = lambda c, gm, b: c * gm[:, None] + b[:, None]

# ---- the forward, lines 72-78
decide(72, np.allclose(val["mean"], x.mean(1)), "mean = sum input_i / N, the channel mean (torch mean)")
decide(73, np.allclose(val["centered"], x - x.mean(1, keepdims=True)), "centered_i = input_i - mean")
decide(74, np.allclose(val["square"], (x - x.mean(1, keepdims=True)) ** 2), "square_i = centered_i^2")
decide(75, np.allclose(val["variance"], x.var(1)), "variance = sum square_i / N, the biased variance torch's "
       "batch_norm uses in training mode")
decide(76, np.allclose(val["invsqrt"], 1 / np.sqrt(x.var(1) + eps)), "invsqrt = 1/sqrt(variance + eps)")
decide(77, np.allclose(val["gmul"], gamma / np.sqrt(x.var(1) + eps)), "gmul = gamma invsqrt")
decide(78, np.allclose(val["normed"], per_channel(num(ref))), "normed_i = centered_i gmul + beta equals torch's "
       "batch_norm (training mode) of the (4, 3, 2, 2) input, channel by channel")

# ---- the backward, lines 88-98: each line one edge's contribution, with the true gradients it names
e_beta = edge(f_normed, [val["centered"], val["gmul"], beta], 2, bar["normed"])
print(f"   (line 88: beta_delta through normed is {np.round(e_beta, 4)} (shape {e_beta.shape}); normed_delta has shape "
      f"{bar['normed'].shape})")
decide(88, same(bar["normed"], e_beta), "beta_delta <- normed_delta: beta is one scalar a channel (beta_delta has shape "
       "(C)) added to every normed_i, so its gradient is sum_i normed_delta_i; the line gives the N-vector "
       "normed_delta itself, without the sum over i that the page writes on lines 89 and 97")
e_gmul = edge(f_normed, [val["centered"], val["gmul"], beta], 1, bar["normed"])
print(f"   (line 89: sum_i normed_delta_i = {np.round(bar['normed'].sum(1), 4)}, gmul_delta = "
      f"sum_i normed_delta_i centered_i = {np.round(e_gmul, 4)})")
decide(89, same(bar["normed"].sum(1), e_gmul) and same(e_gmul, bar["gmul"]), "gmul_delta <- sum_i normed_delta_i: "
       "normed_i = centered_i gmul + beta, so d normed_i / d gmul = centered_i and gmul_delta = sum_i normed_delta_i "
       "centered_i (autograd); the sum without centered_i is beta's gradient")
e_c1 = edge(f_normed, [val["centered"], val["gmul"], beta], 0, bar["normed"])
decide(90, same(bar["normed"] * val["gmul"][:, None], e_c1), "centered_delta_i <- normed_delta_i gmul, the edge "
       "through normed (autograd)")
e_gamma = edge(f_gmul, [gamma, val["invsqrt"]], 0, bar["gmul"])
decide(91, same(bar["gmul"] * val["invsqrt"], e_gamma) and same(e_gamma, bar["gamma"]), "gamma_delta <- gmul_delta "
       "invsqrt, with the true gmul_delta (autograd)")
e_inv = edge(f_gmul, [gamma, val["invsqrt"]], 1, bar["gmul"])
decide(92, same(gamma * bar["gmul"], e_inv) and same(e_inv, bar["invsqrt"]), "invsqrt_delta <- gamma gmul_delta "
       "(autograd)")
e_var = edge(f_invsqrt, [val["variance"]], 0, bar["invsqrt"])
decide(93, same(-bar["invsqrt"] * val["invsqrt"] / (2 * (val["variance"] + eps)), e_var)
       and same(e_var, bar["variance"]), "variance_delta <- -invsqrt_delta invsqrt / (2 (variance + eps)): "
       "d (variance + eps)^(-1/2) / d variance = -(1/2)(variance + eps)^(-3/2) (autograd)")
e_sq = edge(f_variance, [val["square"]], 0, bar["variance"])
decide(94, same(np.repeat((bar["variance"] / N)[:, None], N, 1), e_sq) and same(e_sq, bar["square"]),
       "square_delta_i <- variance_delta / N (autograd)")
e_c2 = edge(f_square, [val["centered"]], 0, bar["square"])
decide(95, same(2 * val["centered"] * bar["square"], e_c2), "centered_delta_i <- 2 centered_i square_delta_i, the edge "
       "through square (autograd)")
assert np.allclose(e_c1 + e_c2, bar["centered"])             # the two contributions make centered_delta
e_in1 = edge(f_centered, [x, val["mean"]], 0, bar["centered"])
decide(96, same(bar["centered"], e_in1), "input_delta_i <- centered_delta_i, the edge input -> centered (autograd)")
e_mean = edge(f_centered, [x, val["mean"]], 1, bar["centered"])
print(f"   (line 97: sum_i centered_delta_i = {np.round(bar['centered'].sum(1), 4)}, mean_delta = "
      f"{np.round(e_mean, 4)})")
decide(97, same(bar["centered"].sum(1), e_mean) and same(e_mean, bar["mean"]), "mean_delta <- sum_i centered_delta_i: "
       "centered_i = input_i - mean, so d centered_i / d mean = -1 and mean_delta = -sum_i centered_delta_i (autograd); "
       "the sign is lost")
e_in2 = edge(f_mean, [x], 0, bar["mean"])
decide(98, same(np.repeat((bar["mean"] / N)[:, None], N, 1), e_in2), "input_delta_i <- mean_delta / N, the edge "
       "input -> mean (autograd)")
assert np.allclose(e_in1 + e_in2, bar["input"])              # the two contributions make input_delta

# ---- for the notes: the page's backward run as printed (line 88 read with the sum over i) against autograd
gm_p = bar["normed"].sum(1)                                     # line 89
inv_p = gamma * gm_p                                            # line 92
var_p = -inv_p * val["invsqrt"] / (2 * (val["variance"] + eps))   # line 93
c_p = bar["normed"] * val["gmul"][:, None] + 2 * val["centered"] * (var_p / N)[:, None]   # lines 90, 94, 95
in_p = c_p + (c_p.sum(1) / N)[:, None]                          # lines 96-98
print(f"   (as printed: gamma_delta {np.round(gm_p * val['invsqrt'], 4)} vs {np.round(bar['gamma'], 4)}; "
      f"input_delta max error {np.abs(in_p - bar['input']).max():.4f}; with line 89 right and line 97 negated the "
      f"chain gives autograd's input_delta)")
gm_r = e_gmul
var_r = -(gamma * gm_r) * val["invsqrt"] / (2 * (val["variance"] + eps))
c_r = bar["normed"] * val["gmul"][:, None] + 2 * val["centered"] * (var_r / N)[:, None]
assert np.allclose(c_r - (c_r.sum(1) / N)[:, None], bar["input"])

finish()
