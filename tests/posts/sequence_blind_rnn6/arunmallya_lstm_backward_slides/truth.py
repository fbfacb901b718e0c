"""Independent truth for tests/posts/sequence_blind_rnn6/arunmallya_lstm_backward_slides (NumPy and torch, no derive).

The slides' LSTM, column vectors: a^t = tanh(a^^t), a^^t = W_c x^t + U_c h^{t-1} (x^t includes the bias term, here
a trailing 1), i^t, f^t, o^t = sigma(W_* x^t + U_* h^{t-1}); z^t = [a^^t; i^^t; f^^t; o^^t] = W I^t with
W = [[W_c, U_c], [W_i, U_i], [W_f, U_f], [W_o, U_o]] (4d x (n+d)) and I^t = [x^t; h^{t-1}]; c^t = i (.) a + f (.)
c^{t-1}, h^t = o (.) tanh(c^t). The slides leave the error E open ('Given delta h^t = dE/dh^t'): here a dense
softmax read-out of every h^t with the cross-entropy, summed over the steps (as spec.toml). n = 3 (two features and
the bias 1), d = 3 memory cells, 4 classes, T = 3, random h^0, c^0 (constants).
References from torch autograd in float64: the total gradient of E at every node (delta h^t, delta c^t, delta o^t,
delta i^t, delta f^t, delta a^t, the pre-activations delta a^^t ..., delta z^t), what step t sends back to c^{t-1}
and receives from step t+1 (the gradient at step t's own view of c^{t-1}), the gradient at step t's own copy of I^t
and of W (the slides' delta W^t), and the total gradient of E with respect to the shared W. Backward lines are judged
locally with these true values; the slides' subscripted lines (o^t_i, c^t_i, ...) are checked for every component i."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(829)
n, d, m, T = 3, 3, 4, 3
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
W0 = rng.normal(0, 0.8, (4 * d, n + d))      # rows: a, i, f, o blocks; columns: [W_* | U_*]
V0 = rng.normal(0, 0.8, (m, d))
X = [Tt(np.vstack([rng.normal(0, 1.0, (n - 1, 1)), [[1.0]]])) for _ in range(T)]
tgt = rng.integers(0, m, T)
h0, c0 = Tt(rng.normal(0, 0.5, (d, 1))), Tt(rng.normal(0, 0.5, (d, 1)))
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nv = lambda x: x.detach().numpy()
allT = lambda fn: all(fn(t) for t in range(T))

W = Tt(W0).requires_grad_()
V = Tt(V0)
keep, copies, Es = [], [], []
hp, cp = h0.clone().requires_grad_(), c0.clone().requires_grad_()
for t in range(T):
    Wt = W.clone(); Wt.retain_grad(); copies.append(Wt)  # step t's own copy of W
    hin, cin = hp * 1, cp * 1                           # step t's own views of h^{t-1}, c^{t-1}
    I = torch.cat([X[t], hin], 0)
    z = Wt @ I
    ah, ih, fh, oh = z[:d], z[d:2 * d], z[2 * d:3 * d], z[3 * d:]
    a, i, f, o = torch.tanh(ah), torch.sigmoid(ih), torch.sigmoid(fh), torch.sigmoid(oh)
    c = i * a + f * cin
    hh = o * torch.tanh(c)
    Es.append(-torch.log_softmax(V @ hh, 0)[tgt[t], 0])
    dd = dict(hin=hin, cin=cin, I=I, z=z, ah=ah, ih=ih, fh=fh, oh=oh, a=a, i=i, f=f, o=o, c=c, h=hh)
    for x in dd.values():
        x.retain_grad()
    keep.append(dd)
    hp, cp = hh, c
E = sum(Es)
E.backward()
val = [{k: nv(x) for k, x in dd.items()} for dd in keep]
G = [{k: x.grad.numpy() for k, x in dd.items()} for dd in keep]
GW = [c_.grad.numpy() for c_ in copies]   # gradient w.r.t. step t's own copy of W (the slides' delta W^t)

# forward definitions, re-evaluated with the printed formulas in NumPy
sig = lambda q: 1 / (1 + np.exp(-q))
blk = lambda k: (W0[k * d:(k + 1) * d, :n], W0[k * d:(k + 1) * d, n:])    # (W_*, U_*) of block k
hprev, cprev, ok = nv(h0), nv(c0), True
for t in range(T):
    x = nv(X[t])
    (Wc, Uc), (Wi, Ui), (Wf, Uf), (Wo, Uo) = (blk(k) for k in range(4))
    pre = [Wc @ x + Uc @ hprev, Wi @ x + Ui @ hprev, Wf @ x + Uf @ hprev, Wo @ x + Uo @ hprev]
    a_, i_, f_, o_ = np.tanh(pre[0]), sig(pre[1]), sig(pre[2]), sig(pre[3])
    ok &= close(np.vstack(pre), val[t]["z"]) and close(a_, val[t]["a"]) and close(i_, val[t]["i"])
    ok &= close(f_, val[t]["f"]) and close(o_, val[t]["o"]) and close(W0 @ np.vstack([x, hprev]), val[t]["z"])
    c_ = i_ * a_ + f_ * cprev; h_ = o_ * np.tanh(c_)
    ok &= close(c_, val[t]["c"]) and close(h_, val[t]["h"])
    hprev, cprev = h_, c_
for line, what in ((2, "a^t = tanh(W_c x + U_c h) = tanh(a^^t)"), (3, "i^t = sigma(...) = sigma(i^^t)"),
                   (4, "f^t = sigma(...) = sigma(f^^t)"), (5, "o^t = sigma(...) = sigma(o^^t)"),
                   (12, "z^t = [a^^; i^^; f^^; o^^] = [W^c U^c; ...] x [x^t; h^{t-1}]"), (13, "= W x I^t"),
                   (16, "c^t = i (.) a + f (.) c^{t-1}"), (18, "h^t = o (.) tanh(c^t)")):
    decide(line, ok, f"{what}: defines the network the truth builds (checked against a NumPy re-evaluation)")

dh = [G[t]["h"] for t in range(T)]
tc = [np.tanh(val[t]["c"]) for t in range(T)]
decide(21, allT(lambda t: close(G[t]["o"], dh[t] * tc[t])),
       "o^t_i reaches E only through h^t_i: dE/do_i = dE/dh_i dh_i/do_i, with dh_i/do_i = tanh(c_i)")
decide(22, allT(lambda t: close(G[t]["o"], dh[t] * tc[t])), "= delta h_i tanh(c_i), every i")
decide(23, allT(lambda t: close(G[t]["o"], dh[t] * tc[t])), "delta o^t = delta h^t (.) tanh(c^t)")
c_next = [G[t + 1]["cin"] if t + 1 < T else np.zeros((d, 1)) for t in range(T)]
via_h = [dh[t] * val[t]["o"] * (1 - tc[t] ** 2) for t in range(T)]
decide(25, allT(lambda t: close(via_h[t], G[t]["c"] - c_next[t])),
       "dE/dh_i dh_i/dc_i is the part of dE/dc_i through h^t (read with the slide's '+=' note)")
decide(26, allT(lambda t: close(via_h[t], G[t]["c"] - c_next[t])), "= delta h_i o_i (1 - tanh^2(c_i))")
decide(27, allT(lambda t: close(c_next[t] + via_h[t], G[t]["c"])),
       "the gradient from step t+1 plus delta h (.) o (.) (1 - tanh^2(c)) is the total delta c^t")
dc = [G[t]["c"] for t in range(T)]
for line, node, fac, what in ((32, "i", "a", "dE/di_i = dE/dc_i dc_i/di_i"), (33, "f", "cin", "dE/df_i = dE/dc_i dc_i/df_i"),
                              (35, "i", "a", "= delta c_i a_i"), (36, "f", "cin", "= delta c_i c^{t-1}_i"),
                              (38, "i", "a", "delta i^t = delta c^t (.) a^t"), (39, "f", "cin", "delta f^t = delta c^t (.) c^{t-1}"),
                              (41, "a", "i", "dE/da_i = dE/dc_i dc_i/da_i"), (44, "a", "i", "= delta c_i i_i"),
                              (47, "a", "i", "delta a^t = delta c^t (.) i^t")):
    decide(line, allT(lambda t: close(G[t][node], dc[t] * val[t][fac])), what + " (with the total delta c^t)")
for line, what in ((42, "dE/dc^{t-1}_i = dE/dc_i dc_i/dc^{t-1}_i"), (45, "= delta c_i f_i"), (48, "delta c^{t-1} = delta c^t (.) f^t")):
    decide(line, allT(lambda t: close(G[t]["cin"], dc[t] * val[t]["f"])),
           what + ": what step t sends back to c^{t-1} (the path through c^t; the h^{t-1} path is added by the '+=')")

a_ = [val[t]["a"] for t in range(T)]
printed54 = [G[t]["a"] * (1 - np.tanh(a_[t]) ** 2) for t in range(T)]
print("   (line 54: delta a^t (.) (1 - (a^t)^2), tanh' at the pre-activation, equals delta a^^t at every t: "
      f"{allT(lambda t: close(G[t]['a'] * (1 - a_[t] ** 2), G[t]['ah']))})")
decide(54, allT(lambda t: close(printed54[t], G[t]["ah"])),
       "tanh' must be taken at the pre-activation a^^t: 1 - tanh^2(a^^t) = 1 - (a^t)^2; the printed 1 - tanh^2(a^t) "
       "applies tanh twice")
for line, node, pre in ((55, "i", "ih"), (56, "f", "fh"), (57, "o", "oh")):
    decide(line, allT(lambda t: close(G[t][node] * val[t][node] * (1 - val[t][node]), G[t][pre])),
           f"delta {node}^^t = delta {node}^t (.) {node}^t (.) (1 - {node}^t)")
decide(58, allT(lambda t: close(np.vstack([G[t]["ah"], G[t]["ih"], G[t]["fh"], G[t]["oh"]]), G[t]["z"])),
       "delta z^t stacks the four pre-activation gradients (the true ones; with line 54's delta a^^t it would carry that slip)")
decide(63, allT(lambda t: close(W0.T @ G[t]["z"], G[t]["I"])), "delta I^t = W^T delta z^t (step t's own I^t)")
decide(64, allT(lambda t: close(val[t]["I"], np.vstack([nv(X[t]), val[t]["hin"]]))), "I^t = [x^t; h^{t-1}]: definition")
x_only = [G[t]["z"] @ nv(X[t]).T for t in range(T)]
with_I = [G[t]["z"] @ val[t]["I"].T for t in range(T)]
print(f"   (line 66: X^t read as the input x^t gives shape {x_only[0].shape}, W is {W0.shape}; read as I^t it holds: "
      f"{allT(lambda t: close(with_I[t], GW[t]))})")
decide(66, allT(lambda t: close(x_only[t], GW[t])),
       "X^t is not defined; the only x in the slides is the input x^t, and delta z^t (x^t)^T is 4d x n, the gradient of "
       "the W_* columns only; W is 4d x (n+d), and its step gradient is delta z^t (I^t)^T")
decide(71, close(sum(GW), W.grad.numpy()), "delta W = sum_t delta W^t is the total gradient of E w.r.t. the shared W")
finish()
