"""Independent truth for tests/posts/sequence_blind_rnn2/sharkovsky_naive_bptt_scalar (NumPy and torch, no derive).

The post's scalar network: two recurrent layers of one sigmoid neuron each, z^1_n = Sw^1 x_n + Tw^1 h^1_{n-1},
h^1_n = sigma(z^1_n), z^2_n = Sw^2 h^1_n + Tw^2 h^2_{n-1}, h^2_n = sigma(z^2_n), y_n = h^2_n, from arbitrary
h^1_0, h^2_0, and a cost C(y_N) of the last output; the post leaves C open, here C(y) = (y - target)^2 / 2.
N = 5 steps, random weights, inputs and initial states, float64. References: torch autograd for dC/dTw, dy_N/dTw,
dz^2_N/dTw and the hidden states' derivatives (each a scalar function of the weight); Tw^1 is cloned per step, so
autograd gives the part of dC/dTw^1 that Tw^1's use at step n carries (dC/dz^1_n h^1_{n-1}), the quantity each
line of the grouped display (lines 141-143) writes as a coefficient times h^1_{n-1}. dsigma/dz|_z is sigma'(z)
at z. The '\\dots' inside the nested expressions are read as the pattern continued down to step 0: the nested
sigmas of lines 39-40 are built from the innermost Tw h_0 outwards, and the elided tails of the derivative
expansions (lines 75, 86, 129) as the recursion dz_n/dTw = h_{n-1} + Tw sigma'(z_{n-1}) dz_{n-1}/dTw that the
post unrolls."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(7)
N = 5
vals = rng.normal(0, 1.0, 4)
x = [None] + list(rng.normal(size=N))
h10, h20, target = rng.normal(0, 0.5), rng.normal(0, 0.5), 0.3
sig = lambda z: 1 / (1 + np.exp(-z))
dsig = lambda z: sig(z) * (1 - sig(z))


def run(Sw1, Tw1, Sw2, Tw2, per_step=False):
    """z^l_n, h^l_n for n = 0..N (index 0 the initial state); with per_step, Tw^1 is a fresh clone at every step."""
    z1, h1, z2, h2, clones = [None], [torch.tensor(h10, dtype=torch.float64)], [None], [torch.tensor(h20, dtype=torch.float64)], [None]
    for n in range(1, N + 1):
        tw1 = Tw1.clone() if per_step else Tw1
        if per_step:
            tw1.retain_grad()
        clones.append(tw1)
        z1.append(Sw1 * x[n] + tw1 * h1[n - 1]); h1.append(torch.sigmoid(z1[n]))
        z2.append(Sw2 * h1[n] + Tw2 * h2[n - 1]); h2.append(torch.sigmoid(z2[n]))
    return z1, h1, z2, h2, clones


P = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)
W = [P(v) for v in vals]
z1, h1, z2, h2, clones = run(*W, per_step=True)
C = 0.5 * (h2[N] - target) ** 2
C.backward()
Sw1, Tw1, Sw2, Tw2 = vals
Z1 = [None] + [z.item() for z in z1[1:]]
Z2 = [None] + [z.item() for z in z2[1:]]
H1 = [h.item() for h in h1]
H2 = [h.item() for h in h2]
Cp = H2[N] - target                                              # dC/dy at y_N
dC_dTw1, dC_dTw2 = W[1].grad.item(), W[3].grad.item()
part = [None] + [c.grad.item() for c in clones[1:]]              # dC/dTw^1 carried by step n's use


def grad_of(fn, wi):
    """d fn(states) / d weight wi, the other weights fixed."""
    w = [P(v) for v in vals]
    out = fn(*run(*w)[:4])
    return torch.autograd.grad(out, w[wi])[0].item()


dy_dTw2 = grad_of(lambda z1, h1, z2, h2: h2[N], 3)
dz2N_dTw2 = grad_of(lambda z1, h1, z2, h2: z2[N], 3)
dh2_dTw2 = [None] + [grad_of(lambda z1, h1, z2, h2, n=n: h2[n], 3) for n in range(1, N + 1)]
dz2_dTw2 = [None] + [grad_of(lambda z1, h1, z2, h2, n=n: z2[n], 3) for n in range(1, N + 1)]
dh1_dTw1 = [0.0] + [grad_of(lambda z1, h1, z2, h2, n=n: h1[n], 1) for n in range(1, N + 1)]
dh2_dTw1 = [0.0] + [grad_of(lambda z1, h1, z2, h2, n=n: h2[n], 1) for n in range(1, N + 1)]
dz2N_dTw1 = grad_of(lambda z1, h1, z2, h2: z2[N], 1)

for line in (6, 7, 8, 16, 17, 18):
    decide(line, True, "the forward of the scalar network at steps 1 and 2 (definition)")
decide(26, np.isclose(sig(Sw1 * x[2] + Tw1 * sig(Sw1 * x[1] + Tw1 * h10)), H1[2]), "h^1_2 with h^1_1 substituted")
printed27 = sig(Sw2 * sig(H1[2]) + Tw2 * sig(Sw2 * H1[1] + Tw2 * h20))
decide(27, np.isclose(printed27, H2[2]), f"'{{}}_Sw^2 \\sigma h^1_2' applies sigma to h^1_2, already sigma(z^1_2): "
       f"{printed27:.4f} against h^2_2 = {H2[2]:.4f} (h^1_2 itself gives {sig(Sw2 * H1[2] + Tw2 * sig(Sw2 * H1[1] + Tw2 * h20)):.4f})")
decide(28, True, "y_2 = h^2_2")


def nest(S, inputs, T_, h0):
    """sigma(S u_N + T sigma(S u_{N-1} + T sigma(... + T h_0))), built from the inside out."""
    v = T_ * h0
    for n in range(1, len(inputs)):
        v = sig(S * inputs[n] + v) if n == len(inputs) - 1 else T_ * sig(S * inputs[n] + v)
    return v


decide(39, np.isclose(nest(Sw1, x, Tw1, h10), H1[N]), "the nested sigmas of h^1_N, the dots continued down to Tw^1 h^1_0")
decide(40, np.isclose(nest(Sw2, H1, Tw2, h20), H2[N]), "the nested sigmas of h^2_N")
decide(41, True, "y_N = h^2_N")
decide(53, np.isclose(Cp * dy_dTw2, dC_dTw2), "dC(y_N)/dTw^2 = dC/dy dy_N/dTw^2")
decide(54, np.isclose(Cp * dsig(Z2[N]) * dz2N_dTw2, dC_dTw2), "= dC/dy sigma'(z^2_N) dz^2_N/dTw^2, the whole derivative of z^2_N")
# product rule: d[Tw^2 sigma(...)]/dTw^2 with sigma(...) = h^2_{N-1}
w = [P(v) for v in vals]
_, _, _, hh2, _ = run(*w)
lhs63 = torch.autograd.grad(w[3] * hh2[N - 1], w[3])[0].item()
decide(63, np.isclose(H2[N - 1] + Tw2 * dh2_dTw2[N - 1], lhs63), "d[Tw^2 sigma(...)]/dTw^2 = sigma(...) + Tw^2 d[sigma(...)]/dTw^2 "
       "(the sigma(...) is h^2_{N-1}; the right side runs on lines 64-65)")


def D2(n):                       # dz^2_n/dTw^2 as the post unrolls it: h^2_{n-1} + Tw^2 sigma'(z^2_{n-1}) dz^2_{n-1}/dTw^2
    return h20 if n == 1 else H2[n - 1] + Tw2 * dsig(Z2[n - 1]) * D2(n - 1)


print(f"   (the unrolled recursion is dz^2_N/dTw^2: {np.isclose(D2(N), dz2N_dTw2)})")
first75 = nest(Sw2, H1[:N], Tw2, h20)                            # the printed sigma(Sw^2 h^1_{N-1} + Tw^2 sigma(...))
second75 = nest(Sw2, H1[:N - 1], Tw2, h20)                       # sigma(Sw^2 h^1_{N-2} + ...)
val75 = Cp * dsig(Z2[N]) * (first75 + Tw2 * dsig(Z2[N - 1]) * (second75 + (D2(N - 1) - H2[N - 2])))
decide(75, np.isclose(first75, H2[N - 1]) and np.isclose(second75, H2[N - 2]) and np.isclose(val75, dC_dTw2),
       "C' sigma'(z^2_N) (h^2_{N-1} + Tw^2 sigma'(z^2_{N-1}) (h^2_{N-2} + ...)): the written sigmas are h^2_{N-1} and "
       "h^2_{N-2}, the elided tail read as the recursion continued (the right side runs on lines 76-77)")
read_a = Cp * dsig(Z2[N]) * (H2[N] + Tw2 * dsig(Z2[N - 1]) * D2(N - 1))


def D2s(n):                      # the same series with every h^2 index one higher, as the line writes its first terms
    return H2[1] if n == 1 else H2[n] + Tw2 * dsig(Z2[n - 1]) * D2s(n - 1)


read_b = Cp * dsig(Z2[N]) * (H2[N] + Tw2 * dsig(Z2[N - 1]) * D2s(N - 1))
decide(86, np.isclose(read_a, dC_dTw2) or np.isclose(read_b, dC_dTw2), f"substituting back, sigma(Sw^2 h^1_{{N-1}} + Tw^2 ...) "
       f"is h^2_{{N-1}}, not h^2_N (and the next is h^2_{{N-2}}): {read_a:.5f} or {read_b:.5f} against dC/dTw^2 = {dC_dTw2:.5f}")
dy_dTw1 = grad_of(lambda z1, h1, z2, h2: h2[N], 1)
decide(94, np.isclose(Cp * dy_dTw1, dC_dTw1), "dC(y_N)/dTw^1 = dC/dy dy_N/dTw^1")
decide(95, np.isclose(Cp * dsig(Z2[N]) * dz2N_dTw1, dC_dTw1), "= dC/dy sigma'(z^2_N) dz^2_N/dTw^1")
decide(101, np.isclose(Sw2 * H1[N] + Tw2 * nest(Sw2, H1[:N], Tw2, h20), Z2[N]), "the bracket is z^2_N written out, so the two derivatives agree")
decide(109, np.isclose(Sw2 * dh1_dTw1[N] + Tw2 * dh2_dTw1[N - 1], dz2N_dTw1), "= Sw^2 dh^1_N/dTw^1 + Tw^2 d[sigma(...)]/dTw^1, "
       "the sigma(...) being h^2_{N-1}")
decide(119, np.isclose(nest(Sw1, x, Tw1, h10), H1[N]), "the bracket is h^1_N written out")
decide(120, np.isclose(dsig(Z1[N]) * (H1[N - 1] + Tw1 * dh1_dTw1[N - 1]), dh1_dTw1[N]),
       "dh^1_N/dTw^1 = sigma'(z^1_N) (h^1_{N-1} + Tw^1 dh^1_{N-1}/dTw^1)")
decide(128, np.isclose(Cp * dsig(Z2[N]) * (Sw2 * dsig(Z1[N]) * (H1[N - 1] + Tw1 * dh1_dTw1[N - 1]) + Tw2 * dh2_dTw1[N - 1]), dC_dTw1),
       "C' sigma'(z^2_N) {Sw^2 sigma'(z^1_N) (h^1_{N-1} + Tw^1 dh^1_{N-1}/dTw^1) + Tw^2 dh^2_{N-1}/dTw^1}")


def P1(n):                       # h^1_{n-1} + Tw^1 sigma'(z^1_{n-1}) (h^1_{n-2} + ...), i.e. dh^1_n/dTw^1 / sigma'(z^1_n)
    return h10 if n == 1 else H1[n - 1] + Tw1 * dsig(Z1[n - 1]) * P1(n - 1)


def DH2(n):                      # dh^2_n/dTw^1 unrolled as lines 130-131 write it
    return 0.0 if n == 0 else dsig(Z2[n]) * (Sw2 * dsig(Z1[n]) * P1(n) + Tw2 * DH2(n - 1))


val129 = Cp * dsig(Z2[N]) * (Sw2 * dsig(Z1[N]) * P1(N) + Tw2 * DH2(N - 1))
decide(129, np.isclose(val129, dC_dTw1), "the fully unrolled form, the dots read as the recursions continued to h^1_0 "
       "(the right side runs on lines 130-131)")
t141 = Cp * dsig(Z2[N]) * Sw2 * dsig(Z1[N]) * H1[N - 1]
decide(141, np.isclose(t141, part[N]), "C' x the h^1_{N-1} term = the part of dC/dTw^1 carried by Tw^1 at step N")
t142 = Cp * (dsig(Z2[N]) * Sw2 * dsig(Z1[N]) * Tw1 * dsig(Z1[N - 1])
             + dsig(Z2[N]) * Tw2 * dsig(Z2[N - 1]) * Sw2 * dsig(Z1[N - 1])) * H1[N - 2]
decide(142, np.isclose(t142, part[N - 1]), "the h^1_{N-2} term: the two paths from z^1_{N-1} to z^2_N")
a = dsig(Z2[N]) * Sw2 * dsig(Z1[N]) * Tw1 * dsig(Z1[N - 1]) * Tw1 * dsig(Z1[N - 2])
bb = dsig(Z2[N]) * Tw2 * dsig(Z2[N - 1]) * Sw2 * dsig(Z1[N - 1]) * Tw1 * dsig(Z1[N - 2])
c_printed = dsig(Z2[N]) * Tw2 * dsig(Z2[N - 2]) * Sw2 * dsig(Z1[N - 2])
c_path = dsig(Z2[N]) * Tw2 * dsig(Z2[N - 1]) * Tw2 * dsig(Z2[N - 2]) * Sw2 * dsig(Z1[N - 2])
print(f"   (with the third path written sigma'(z^2_N) Tw^2 sigma'(z^2_{{N-1}}) Tw^2 sigma'(z^2_{{N-2}}) Sw^2 sigma'(z^1_{{N-2}}) "
      f"the term is right: {np.isclose(Cp * (a + bb + c_path) * H1[N - 3], part[N - 2])})")
decide(143, np.isclose(Cp * (a + bb + c_printed) * H1[N - 3], part[N - 2]), "the third path from z^1_{N-2} runs through "
       "z^2_{N-2}, z^2_{N-1} and z^2_N: it needs Tw^2 sigma'(z^2_{N-1}) between sigma'(z^2_N) and Tw^2 sigma'(z^2_{N-2})")

finish()
