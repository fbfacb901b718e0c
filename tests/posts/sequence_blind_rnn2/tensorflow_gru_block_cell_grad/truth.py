"""Independent truth for tests/posts/sequence_blind_rnn2/tensorflow_gru_block_cell_grad (NumPy and torch, no derive).

TensorFlow's block GRU cell as the class docstring (lines 79-93) writes it, row layout with a batch: x (N x D),
h_prev (N x H), x_h_prev = [x, h_prev], [r_bar u_bar] = x_h_prev w_ru + b_ru (w_ru (D + H) x 2H, r the first H
columns), r = sigmoid(r_bar), u = sigmoid(u_bar), h_prevr = h_prev * r, x_h_prevr = [x h_prevr],
c_bar = x_h_prevr w_c + b_c (w_c (D + H) x H), c = tanh(c_bar), h = (1 - u) * c + u * h_prev. d_h is the gradient
reaching the new state h, so the loss is L = sum(d_h * h). Every use of x and of h_prev is its own clone (the gates'
x_h_prev, the candidate's x and h_prevr, the direct u * h_prev) and r_bar_u_bar, c_bar and h_prevr are nodes, so
autograd in float64 gives each component the docstring names; '*' between matrices is a matrix product, '\\circ'
element-wise. N = 2, D = 3, H = 4."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(31)
N, D, H = 2, 3, 4
P = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
w_ru, b_ru = P(rng.normal(0, 0.6, (D + H, 2 * H))), P(rng.normal(0, 0.3, 2 * H))
w_c, b_c = P(rng.normal(0, 0.6, (D + H, H))), P(rng.normal(0, 0.3, H))
x, h_prev = P(rng.normal(size=(N, D))), P(rng.normal(0, 0.7, (N, H)))
d_h = rng.normal(size=(N, H))


def keep(v):
    v.retain_grad()
    return v


x_g, x_c = keep(x.clone()), keep(x.clone())                       # x in the gates and in the candidate
h_g, h_c, h_d = keep(h_prev.clone()), keep(h_prev.clone()), keep(h_prev.clone())   # gates, h_prevr, direct
x_h_prev = torch.cat([x_g, h_g], 1)
r_bar_u_bar = keep(x_h_prev @ w_ru + b_ru)
r_bar, u_bar = r_bar_u_bar[:, :H], r_bar_u_bar[:, H:]
r, u = torch.sigmoid(r_bar), torch.sigmoid(u_bar)
h_prevr = keep(h_c * r)
x_h_prevr = torch.cat([x_c, h_prevr], 1)
c_bar = keep(x_h_prevr @ w_c + b_c)
c = torch.tanh(c_bar)
h = (1 - u) * c + u * h_d
(torch.tensor(d_h) * h).sum().backward()

n = lambda v: v.detach().numpy()
g = lambda v: v.grad.numpy()
rv, uv, cv, hv, xv, hpv = n(r), n(u), n(c), n(h), n(x), n(h_prev)
W_ru, W_c = n(w_ru), n(w_c)
XHP, XHPR = np.hstack([xv, hpv]), np.hstack([xv, hpv * rv])
d_c_bar, d_rb_ub = g(c_bar), g(r_bar_u_bar)
d_x_true = g(x_g) + g(x_c)
d_h_prev_true = g(h_g) + g(h_c) + g(h_d)

decide(20, np.allclose(d_h * (1 - uv) * (1 - cv * cv), d_c_bar), "d_c_bar = d_h (1 - u)(1 - c^2), the gradient at c_bar")
printed21 = d_h * (hv - cv) * uv * (1 - uv)
print(f"   (with h_prev in place of h the line is right: {np.allclose(d_h * (hpv - cv) * uv * (1 - uv), d_rb_ub[:, H:])})")
decide(21, np.allclose(printed21, d_rb_ub[:, H:]), "dh/du = h_prev - c; (h - c) with h the new state (line 93) is "
       f"u (h_prev - c), so the line is off by the factor u: max difference {np.abs(printed21 - d_rb_ub[:, H:]).max():.3f}")
decide(23, np.allclose(np.hstack([d_rb_ub[:, :H], d_rb_ub[:, H:]]), d_rb_ub), "the gradient at [r_bar u_bar] is [d_r_bar d_u_bar]")
comp = d_rb_ub @ W_ru.T
decide(25, np.allclose(comp[:, :D], g(x_g)) and np.allclose(comp[:, D:], g(h_g)),
       "d_r_bar_u_bar w_ru^T splits into the gate paths' dx and dh_prev")
comp2 = d_c_bar @ W_c.T
decide(27, np.allclose(comp2[:, :D], g(x_c)) and np.allclose(comp2[:, D:], g(h_prevr)),
       "d_c_bar w_c^T splits into the candidate's dx and the gradient at h_prevr")
decide(29, np.allclose(comp[:, :D] + comp2[:, :D], d_x_true), "d_x is the sum of the two x paths")
printed31 = comp[:, D:] + g(h_prevr) * rv + uv
print(f"   (with d_h * u for the last term the line is right: {np.allclose(comp[:, D:] + g(h_prevr) * rv + d_h * uv, d_h_prev_true)})")
decide(31, np.allclose(printed31, d_h_prev_true), "the direct path of h = (1 - u) c + u h_prev adds d_h * u; the "
       "line adds u alone")
printed36 = XHPR.T @ d_c_bar
print(f"   (x_h_prevr^T d_c_bar is d_w_c: {np.allclose(printed36, g(w_c))}; x_h_prev^T d_r_bar_u_bar is d_w_ru: "
      f"{np.allclose(XHP.T @ d_rb_ub, g(w_ru))})")
decide(36, printed36.shape == g(w_ru).shape and np.allclose(printed36, g(w_ru)), "x_h_prevr^T d_c_bar is the candidate's "
       f"weight gradient, shape {printed36.shape}; w_ru is {g(w_ru).shape}: the names d_w_ru and d_w_c are swapped")
printed38 = XHP.T @ d_rb_ub
decide(38, printed38.shape == g(w_c).shape and np.allclose(printed38, g(w_c)), "x_h_prev^T d_r_bar_u_bar is the gates' "
       f"weight gradient, shape {printed38.shape}; w_c is {g(w_c).shape}")
decide(40, np.allclose(d_rb_ub.sum(axis=0), g(b_ru)), "d_b_ru sums d_r_bar_u_bar over the batch (axis 0)")
decide(42, np.allclose(d_c_bar.sum(axis=0), g(b_c)), "d_b_c sums d_c_bar over the batch")
decide(52, np.allclose(np.concatenate([xv, hpv], 1), n(x_h_prev)), "concat([x, h_prev], 1) is x_h_prev (line 79)")
decide(53, np.allclose(XHP.T @ d_rb_ub, g(w_ru)), "matmul(x_h_prev, d_r_bar_u_bar, transpose_a=True) = x_h_prev^T d_r_bar_u_bar = d_w_ru")
decide(54, np.allclose(d_rb_ub.sum(axis=0), g(b_ru)), "bias_add_grad sums over every axis but the last: d_b_ru")
decide(56, np.allclose(np.concatenate([xv, hpv * rv], 1), n(x_h_prevr)), "concat([x, h_prev * r], 1) is x_h_prevr (line 88)")
decide(57, np.allclose(XHPR.T @ d_c_bar, g(w_c)), "x_h_prevr^T d_c_bar = d_w_c")
decide(58, np.allclose(d_c_bar.sum(axis=0), g(b_c)), "bias_add_grad(d_c_bar) = d_b_c")
for line, what in ((79, "x_h_prev = [x, h_prev]"), (81, "[r_bar u_bar] = x_h_prev w_ru + b_ru"), (83, "r = sigmoid(r_bar)"),
                   (84, "u = sigmoid(u_bar)"), (86, "h_prevr = h_prev * r"), (88, "x_h_prevr = [x h_prevr]"),
                   (90, "c_bar = x_h_prevr w_c + b_c"), (91, "c = tanh(c_bar)"), (93, "h = (1 - u) c + u h_prev")):
    decide(line, True, f"definition of the block GRU cell: {what}")

finish()
