"""Independent truth for tests/posts/sequence_blind_attention2/pppw_lstm_backward_rules (NumPy and torch, no derive).

One step of the notebook's LSTM (Andrew Ng's gate names) on a mini-batch, column layout as the equations write it:
Z = [a^{t-1}; x^t] of shape (n + d, m), Gamma_u, Gamma_f, Gamma_o = sigmoid(W Z + b), ctilde = tanh(W_c Z + b_c),
c^t = Gamma_u * ctilde + Gamma_f * c^{t-1}, a^t = Gamma_o * tanh(c^t). n = 2 units, d = 2 inputs, m = 4 samples
(m = n + d, so that the left-to-right reading of lines 14, 40, 65, 82 is defined at all). The cell's two outputs get
upstream gradients from the rest of the network: J = sum(G_a (.) a^t) + sum(G_c (.) c^t) with random G_a, G_c; the
notebook's dJ/da^<t> and dJ/dc^<t> on a right side are these arriving gradients. References from torch autograd in
float64 (gradients of J, and of its two parts J_c = sum(G_c (.) c^t) and J_a = sum(G_a (.) a^t) for the lines that
give one path's contribution). '*' is the elementwise product; the lines are read with '*' binding tighter than the
juxtaposed matrix product (the reading under which line 110 is right); lines 14, 40, 65, 82 are also tried left to
right. A reading whose shapes do not match counts as not holding."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(5)
n, d, m = 2, 2, 4
t = lambda a: torch.tensor(a, dtype=torch.float64, requires_grad=True)
W = {k: t(rng.normal(0, 0.8, (n, n + d))) for k in "ufoc"}
b = {k: t(rng.normal(0, 0.3, (n, 1))) for k in "ufoc"}
a0, x, c0 = t(rng.normal(0, 0.7, (n, m))), t(rng.normal(size=(d, m))), t(rng.normal(0, 0.7, (n, m)))
Ga, Gc = rng.normal(size=(n, m)), rng.normal(size=(n, m))


def run(which):
    """The forward step; backward of J (which = 'both'), J_c ('c') or J_a ('a'); returns values and gradients."""
    for p in list(W.values()) + list(b.values()) + [a0, x, c0]:
        p.grad = None
    Z = torch.cat([a0, x], 0)
    Gu, Gf, Go = (torch.sigmoid(W[k] @ Z + b[k]) for k in "ufo")
    ct = torch.tanh(W["c"] @ Z + b["c"])
    c = Gu * ct + Gf * c0
    a = Go * torch.tanh(c)
    for v in (Gu, Gf, Go, ct, c):
        v.retain_grad()
    J = {"both": (a * torch.tensor(Ga)).sum() + (c * torch.tensor(Gc)).sum(), "c": (c * torch.tensor(Gc)).sum(),
         "a": (a * torch.tensor(Ga)).sum()}[which]
    J.backward()
    val = {k: v.detach().numpy() for k, v in dict(Z=Z, Gu=Gu, Gf=Gf, Go=Go, ct=ct, c=c, a=a).items()}
    gn = lambda v: np.zeros(tuple(v.shape)) if v.grad is None else v.grad.numpy().copy()   # no path: gradient 0
    grad = {k: gn(v) for k, v in dict(Gu=Gu, Gf=Gf, Go=Go, ct=ct, c=c, c0=c0, a0=a0, x=x).items()}
    grad.update({"W" + k: gn(W[k]) for k in "ufoc"})
    grad.update({"b" + k: gn(b[k]) for k in "ufoc"})
    return val, grad


v, g = run("both")
_, gc = run("c")
_, ga = run("a")
Z, Gu, Gf, Go, ct, c = (v[k] for k in ("Z", "Gu", "Gf", "Go", "ct", "c"))
c_prev, a_prev, xn = c0.detach().numpy(), a0.detach().numpy(), x.detach().numpy()
Wn = {k: W[k].detach().numpy() for k in "ufoc"}
sig = lambda A: 1 / (1 + np.exp(-A))
close = lambda A, B: A is not None and np.shape(A) == np.shape(B) and np.allclose(A, B, atol=1e-12)


def ev(f):
    try:
        return f()
    except ValueError:            # shapes that do not broadcast: the product is undefined
        return None


decide(3, close(sig(Wn["u"] @ Z + b["u"].detach().numpy()), Gu), "Gamma_u = sigmoid(W_u [a; x] + b_u) (definition)")
decide(4, close(sig(Wn["f"] @ Z + b["f"].detach().numpy()), Gf), "Gamma_f (definition)")
decide(5, close(sig(Wn["o"] @ Z + b["o"].detach().numpy()), Go), "Gamma_o (definition)")
decide(6, close(np.tanh(Wn["c"] @ Z + b["c"].detach().numpy()), ct), "ctilde (definition)")
decide(8, close(Gu * ct + Gf * c_prev, c), "c^t = Gamma_u * ctilde + Gamma_f * c^{t-1}")
decide(9, close(Go * np.tanh(c), v["a"]), "a^t = Gamma_o * tanh(c^t)")

dc_a = Ga * Go * (1 - np.tanh(c) ** 2)                  # the a-path part of dJ/dc^t
dGu = (Gc + dc_a) * ct
dGf = (Gc + dc_a) * c_prev
dGo = Ga * np.tanh(c)
dct = (Gc + dc_a) * Gu


def wline(line, dgate, deriv, key, name):
    ltr = ev(lambda: (dgate @ Z.T) * deriv)               # left to right
    star = ev(lambda: dgate @ (Z.T * deriv))              # '*' first
    decide(line, close(ltr, g[key]) or close(star, g[key]),
           f"dJ/d{name}: read left to right (the sigmoid/tanh derivative after the sum over the m samples) it is a "
           f"different matrix, read '*' first it is {'undefined' if star is None else 'a different matrix'}; "
           f"(dJ/dgate * derivative) [a; x]^T is the gradient: {close((dgate * deriv) @ Z.T, g[key])}")


wline(14, dGu, Gu * (1 - Gu), "Wu", "W_u")
decide(19, close(Gc * ct, gc["Gu"]), "the contribution through (r.2.5) of the gradient arriving at c^t: G_c * ctilde")
decide(23, close(dc_a, ga["c"]), "the contribution of a^t to dJ/dc^t through (r.2.6): G_a * Gamma_o * (1 - tanh^2 c)")
decide(27, close(dGu, g["Gu"]), "(r.2.8): both paths, against autograd's dJ/dGamma_u")
decide(33, close((dGu * Gu * (1 - Gu)).sum(1, keepdims=True), g["bu"]), "dJ/db_u = sum over the samples")
wline(40, dGf, Gf * (1 - Gf), "Wf", "W_f")
decide(43, close(Gc * c_prev, gc["Gf"]), "the contribution through (r.2.5): G_c * c^{t-1}")
decide(47, close(dc_a, ga["c"]), "the a-path contribution to dJ/dc^t (as line 23)")
decide(51, close(dGf, g["Gf"]), "(r.2.10): both paths")
decide(57, close((dGf * Gf * (1 - Gf)).sum(1, keepdims=True), g["bf"]), "dJ/db_f")
wline(65, dGo, Go * (1 - Go), "Wo", "W_o")
decide(69, close(dGo, g["Go"]), "(r.2.11): dJ/dGamma_o = dJ/da * tanh(c)")
decide(73, close((Ga * np.tanh(c) * Go * (1 - Go)) @ Z.T, g["Wo"]), "the elementwise chain, then [a; x]^T: right")
decide(76, close((Ga * np.tanh(c) * Go * (1 - Go)).sum(1, keepdims=True), g["bo"]), "dJ/db_o")
wline(82, dct, 1 - ct ** 2, "Wc", "W_c")
decide(85, close(Gc * Gu, gc["ct"]), "the contribution through (r.2.5): G_c * Gamma_u")
decide(89, close(dc_a, ga["c"]), "the a-path contribution to dJ/dc^t (as line 23)")
decide(93, close(dct, g["ct"]), "(r.2.12): both paths")
decide(97, close((dct * (1 - ct ** 2)).sum(1, keepdims=True), g["bc"]), "dJ/db_c")
dZ = (Wn["u"].T @ (dGu * Gu * (1 - Gu)) + Wn["f"].T @ (dGf * Gf * (1 - Gf)) + Wn["o"].T @ (dGo * Go * (1 - Go))
      + Wn["c"].T @ (dct * (1 - ct ** 2)))
ltr110 = ev(lambda: Wn["u"].T @ dGu * (Gu * (1 - Gu)))
decide(110, close(dZ, np.vstack([g["a0"], g["x"]])),
       f"dJ/d[a^{{t-1}}; x^t], '*' first: the four W^T (delta * derivative) terms (left to right the first term is "
       f"{'undefined' if ltr110 is None else 'defined'})")
decide(118, close(Gc * Gf, gc["c0"]), "the contribution through (r.2.5) of the gradient arriving at c^t: G_c * Gamma_f")
decide(124, close(dc_a, ga["c"]), "the a-path contribution to dJ/dc^t (as line 23)")
decide(129, close((Gc + dc_a) * Gf, g["c0"]), "both paths: dJ/dc^{t-1}")

finish()
