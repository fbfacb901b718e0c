"""Independent truth for tests/posts/sequence_blind_rnn3/ltrujello_rnn_vanishing_graves (NumPy and torch, no derive).

The post's RNN in Graves's index notation: a_h^t = sum_i w_ih x_i^t + sum_h' w_h'h b_h'^{t-1}, b_h^t = theta(a_h^t),
a_k^t = sum_h w_hk b_h^t, y_k^t = theta(a_k^t), with theta the logistic sigmoid (the post's 'If sigma is the
sigmoid function' of its bound), b^0 = 0 (the post's zero initial state), and a loss summed over the steps, here
L = sum_t sum_k (y_k^t - z_k^t)^2 / 2 against random targets z (the post leaves the loss open). I = 2 inputs,
H = 3 hidden units, K = 2 outputs, T = 4 steps. w_ij is the weight from node i to node j, so w_jk (hidden j to
output k) is Whk[j, k] and w_jh (hidden j to hidden h) is Whh[j, h]. References from torch autograd in float64:
delta_j^t = dL/da_j^t for every hidden and output node (gradients with respect to the pre-activations, kept as
graph tensors), the gradients of L with respect to the three weight matrices, and the immediate derivative
da_j^t/dw_ij of one step with the previous activations held fixed. Every printed right side is evaluated as
printed with the true deltas of the quantities it names (the output deltas delta_k^t, which the post says 'can be
easily calculated'), and compared with the true delta on its left."""
import itertools
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(7)
I, H, K, T = 2, 3, 2, 4
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
Wih, Whh, Whk = (Tt(rng.normal(0, 1.0, s)).requires_grad_() for s in ((I, H), (H, H), (H, K)))
x = [None] + [Tt(rng.normal(size=I)) for _ in range(T)]
z = [None] + [Tt(rng.uniform(size=K)) for _ in range(T)]

ah, b, ak, y = {}, {0: torch.zeros(H, dtype=torch.float64)}, {}, {}
for t in range(1, T + 1):
    ah[t] = x[t] @ Wih + b[t - 1] @ Whh          # a_h^t = sum_i w_ih x_i^t + sum_h' w_h'h b_h'^{t-1}
    b[t] = torch.sigmoid(ah[t])
    ak[t] = b[t] @ Whk                           # a_k^t = sum_h w_hk b_h^t
    y[t] = torch.sigmoid(ak[t])
L = sum(0.5 * ((y[t] - z[t]) ** 2).sum() for t in range(1, T + 1))
ts = list(range(1, T + 1))
grads = torch.autograd.grad(L, [ah[t] for t in ts] + [ak[t] for t in ts] + [Wih, Whh, Whk])
dh = {t: grads[i].numpy() for i, t in enumerate(ts)}                   # delta_h^t, hidden nodes
dk = {t: grads[T + i].numpy() for i, t in enumerate(ts)}               # delta_k^t, output nodes
gWih, gWhh, gWhk = (g.numpy() for g in grads[2 * T:])
dh[T + 1] = np.zeros(H)
n_ = lambda v: v.detach().numpy()
A = {t: n_(ah[t]) for t in ts}
Bv = {t: n_(b[t]) for t in [0] + ts}
Xv = {t: x[t].numpy() for t in ts}
W_ih, W_hh, W_hk = n_(Wih), n_(Whh), n_(Whk)
th = lambda a: 1 / (1 + np.exp(-a)) * (1 - 1 / (1 + np.exp(-a)))   # theta'(a) for the sigmoid
tp = {t: th(A[t]) for t in ts}                                      # theta'(a_h^t), hidden
close = lambda u, v: np.allclose(u, v, atol=1e-12)

decide(5, True, "a_h^t, the hidden pre-activation (definition)")
decide(6, True, "b_h^t = theta(a_h^t) (definition)")
decide(7, True, "a_k^t, the output pre-activation (definition)")
decide(8, True, "y_k^t = theta(a_k^t) (definition)")

# immediate da_j^t/dw_ij: the step's own use of the weight, the previous activations held fixed
imm = {}
for name, W in (("ih", Wih), ("hh", Whh), ("hk", Whk)):
    per_t = []
    for t in ts:
        bp, bt = b[t - 1].detach(), b[t].detach()
        f = {"ih": lambda M: x[t] @ M + bp @ Whh.detach(), "hh": lambda M: x[t] @ Wih.detach() + bp @ M,
             "hk": lambda M: bt @ M}[name]
        per_t.append(torch.autograd.functional.jacobian(f, W.detach()).numpy())     # [j, i, j']
    imm[name] = per_t
chain = {name: sum(np.einsum("j,jab->ab", (dh if name != "hk" else dk)[t], imm[name][t - 1]) for t in ts)
         for name in imm}
all_ok = close(chain["ih"], gWih) and close(chain["hh"], gWhh) and close(chain["hk"], gWhk)
decide(21, all_ok, "dL/dw_ij = sum_t dL/da_j^t da_j^t/dw_ij for input, recurrent and output weights (da/dw of the "
       "step itself; w_ij enters a_j^t only)")
decide(29, True, "delta_j^t = dL/da_j^t (the shorthand, a definition)")
decide(38, all_ok, "the same sum written with delta_j^t")
decide(52, close(sum(np.outer(Xv[t], dh[t]) for t in ts), gWih), "input to hidden: sum_t delta_j^t x_i^t")
decide(62, close(sum(np.outer(Bv[t - 1], dh[t]) for t in ts), gWhh), "hidden to hidden: sum_t delta_j^t b_i^{t-1}")
decide(72, close(sum(np.outer(Bv[t], dk[t]) for t in ts), gWhk), "hidden to output: sum_t delta_k^t b_i^t")

rec = all(close(tp[t] * (W_hk @ dk[t] + W_hh @ dh[t + 1]), dh[t]) for t in ts)
decide(82, rec, "delta_j^t = theta'(a_j^t)(sum_k w_jk delta_k^t + sum_h w_jh delta_h^{t+1}), delta^{T+1} = 0")
decide(106, close(tp[T] * (W_hk @ dk[T]), dh[T]), "delta_j^T = theta'(a_j^T) sum_k w_jk delta_k^T")

# delta^{T-1}
r1 = tp[T - 1] * (W_hk @ dk[T - 1] + W_hh @ dh[T])
decide(120, close(r1, dh[T - 1]), "the recurrence at T-1")
r2 = tp[T - 1] * (W_hk @ dk[T - 1] + W_hh @ (tp[T] * (W_hk @ dk[T])))
decide(122, close(r2, dh[T - 1]), "delta_h1^T substituted")
r3 = tp[T - 1] * (W_hk @ dk[T - 1]) + np.einsum("j,h,jh,hk,k->j", tp[T - 1], tp[T], W_hh, W_hk, dk[T])
decide(124, close(r3, dh[T - 1]), "distributed: sum_h1 sum_k theta'(a_j^{T-1}) theta'(a_h1^T) w_jh1 w_h1k delta_k^T")

# delta^{T-2}
s1 = tp[T - 2] * (W_hk @ dk[T - 2] + W_hh @ dh[T - 1])
decide(134, close(s1, dh[T - 2]), "the recurrence at T-2")
inner = lambda tph2: tp[T - 1] * (W_hk @ dk[T - 1]) + np.einsum("a,b,ab,bk,k->a", tp[T - 1], tph2, W_hh, W_hk, dk[T])
s2 = tp[T - 2] * (W_hk @ dk[T - 2]) + tp[T - 2] * (W_hh @ inner(tp[T - 2]))
print(f"   (with theta'(a_h2^T) in place of theta'(a_h2^(T-2)) the line is right: "
      f"{close(tp[T - 2] * (W_hk @ dk[T - 2]) + tp[T - 2] * (W_hh @ inner(tp[T])), dh[T - 2])})")
decide(141, close(s2, dh[T - 2]), "the substituted delta_h1^{T-1} takes theta' of a_h2 at T-2 where the path "
       "h1 (T-1) -> h2 (T) needs theta'(a_h2^T) (the same row's delta_k^T and the next row have T)")
mid_printed = np.einsum("j,h,hk,k->j", tp[T - 2], tp[T - 1], W_hk, dk[T - 1])               # no w_jh1
mid_right = np.einsum("j,h,jh,hk,k->j", tp[T - 2], tp[T - 1], W_hh, W_hk, dk[T - 1])
last = np.einsum("j,a,b,ja,ab,bk,k->j", tp[T - 2], tp[T - 1], tp[T], W_hh, W_hh, W_hk, dk[T])
s3 = tp[T - 2] * (W_hk @ dk[T - 2]) + mid_printed + last
print(f"   (with w_jh1 in the middle term the line is right: {close(tp[T - 2] * (W_hk @ dk[T - 2]) + mid_right + last, dh[T - 2])})")
decide(147, close(s3, dh[T - 2]), "the middle term sum_h1 sum_k theta'(a_j^{T-2}) theta'(a_h1^{T-1}) w_h1k "
       "delta_k^{T-1} drops the weight w_jh1 from j to h1 (it no longer depends on j's outgoing weights)")


def general(n, ell_reading, fixed=False):
    """delta_j^{T-n} as printed; ell_reading(m) is the value given to the ell left free in delta_k^{T-(n-ell)}."""
    t0 = T - n
    out = tp[t0] * (W_hk @ dk[t0])
    for m in range(1, n + 1):
        acc = np.zeros(H)
        for hs in itertools.product(range(H), repeat=m):
            p = 1.0
            for l in range(1, m):
                p *= tp[T - (n - l)][hs[l - 1]] * W_hh[hs[l - 1], hs[l]]
            if fixed:   # the full path: theta'(a_j) w_j,h1, every theta'(a_hl) and delta_k at the path's end
                p *= W_hh[:, hs[0]] * tp[T - (n - m)][hs[-1]]
                acc = acc + p * tp[t0] * (W_hk[hs[-1]] @ dk[T - (n - m)])
            else:
                acc = acc + p * (W_hk[hs[-1]] @ dk[T - (n - ell_reading(m))])
        out = out + acc
    return out


readings = {"ell = m": lambda m: m, "ell = m - 1": lambda m: m - 1}
match = {r: all(close(general(n, f), dh[T - n]) for n in (1, 2, 3)) for r, f in readings.items()}
print(f"   (readings of the free ell that match: {[r for r, v in match.items() if v]}; the full path formula "
      f"theta'(a_j) w_jh1 prod theta'(a_hl) w ... w_hm,k delta_k^(T-n+m) matches: "
      f"{all(close(general(n, None, fixed=True), dh[T - n]) for n in (1, 2, 3))})")
decide(167, any(match.values()), "the path terms lack theta'(a_j^{T-n}) w_j,h1 (they do not depend on j) and "
       "theta'(a_hm) of the last hidden node, and delta_k^{T-(n-ell)} uses ell outside its product (T-(n-m) belongs); "
       "for n = 1 it does not reproduce the post's own delta^{T-1}")
decide(187, any(match.values()), "the general equation with t = T - n, carried (the same missing factors)")
decide(191, any(match.values()), "kappa(t, m) names the bracket of the line above, so the row repeats its value")

# the bound, for every n whose times T-(n-ell) (ell = 1..T-2) are steps of the sequence
ok_bound = True
for n in range(T - 2, T + 1):
    times = [T - (n - l) for l in range(1, T - 1)]
    if min(times) < 1 or max(times) > T:
        continue
    for hs in itertools.product(range(H), repeat=T - 1):
        lhs = abs(np.prod([tp[times[l - 1]][hs[l - 1]] * W_hh[hs[l - 1], hs[l]] for l in range(1, T - 1)]))
        rhs = abs(np.prod([0.25 * W_hh[hs[l - 1], hs[l]] for l in range(1, T - 1)]))
        ok_bound &= lhs <= rhs + 1e-15
zg = torch.linspace(-8, 8, 4001, dtype=torch.float64, requires_grad=True)
ds = torch.autograd.grad(torch.sigmoid(zg).sum(), zg)[0]
decide(222, ok_bound and ds.max().item() <= 0.25 + 1e-15, "|prod theta' w| <= |prod 0.25 w|, sigmoid' <= 0.25 "
       "(every path and every n with steps inside the sequence)")
decide(225, (0.25 * 3.9) ** 500 < 1e-5 and 0.25 * 4 == 1, "with |w| <= c < 4 each factor 0.25 |w| < 1, so the "
       "product decays geometrically; 4 = 1/0.25 is the threshold")
finish()
