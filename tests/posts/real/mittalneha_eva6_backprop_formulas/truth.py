"""Independent truth for tests/posts/real/mittalneha_eva6_backprop_formulas (pure NumPy, no derive).
The post has no numbers, so its formulas are checked on random values of a 2-2-2 sigmoid net
without biases (h1 = w1 i1 + w2 i2, h2 = w3 i1 + w4 i2, o1 = w5 a_h1 + w6 a_h2, o2 = w7 a_h1 + w8 a_h2,
E = 1/2 (t1 - out_o1)^2 + 1/2 (t2 - out_o2)^2) against central finite differences."""
import numpy as np

rng = np.random.default_rng(7)
sig = lambda z: 1.0 / (1.0 + np.exp(-z))

def forward(w, i1, i2):
    h1 = w[1]*i1 + w[2]*i2; h2 = w[3]*i1 + w[4]*i2
    oh1, oh2 = sig(h1), sig(h2)
    o1 = w[5]*oh1 + w[6]*oh2; o2 = w[7]*oh1 + w[8]*oh2
    return h1, h2, oh1, oh2, o1, o2, sig(o1), sig(o2)

def E(w, i1, i2, t1, t2):
    *_, oo1, oo2 = forward(w, i1, i2)
    return 0.5*(t1-oo1)**2 + 0.5*(t2-oo2)**2

def post_grads(w, i1, i2, t1, t2):
    h1, h2, oh1, oh2, o1, o2, oo1, oo2 = forward(w, i1, i2)
    g = {}
    g[5] = (oo1-t1)*oo1*(1-oo1)*oh1                       # line 58
    g[6] = (oo1-t1)*oo1*(1-oo1)*oh2                       # line 64
    g[7] = (oo2-t2)*oo2*(1-oo2)*oh1                       # line 65
    g[8] = (oo2-t2)*oo2*(1-oo2)*oh2                       # line 66
    c1 = (oo1-t1)*oo1*(1-oo1)*w[5] + (oo2-t2)*oo2*(1-oo2)*w[7]
    c2 = (oo1-t1)*oo1*(1-oo1)*w[6] + (oo2-t2)*oo2*(1-oo2)*w[8]
    g[1] = oh1*(1-oh1)*i1*c1                               # line 70
    g[2] = oh1*(1-oh1)*i2*c1                               # line 72
    g[3] = oh2*(1-oh2)*i1*c2                               # line 75
    g[4] = oh2*(1-oh2)*i2*c2                               # line 78
    return g

worst = 0.0
for trial in range(200):
    w = dict(zip(range(1, 9), rng.normal(size=8)))
    i1, i2, t1, t2 = rng.normal(), rng.normal(), rng.uniform(), rng.uniform()
    g = post_grads(w, i1, i2, t1, t2)
    for k in range(1, 9):
        wp = dict(w); wm = dict(w); eps = 1e-6
        wp[k] += eps; wm[k] -= eps
        fd = (E(wp, i1, i2, t1, t2) - E(wm, i1, i2, t1, t2)) / (2*eps)
        worst = max(worst, abs(fd - g[k]) / max(1.0, abs(fd)))
print(f"lines 58/64/65/66/70/72/75/78 (dE/dw1..w8) vs finite differences: worst rel. error {worst:.2e}  -> ok")

# sigmoid derivative (line 44)
z = rng.normal(size=100); eps = 1e-6
print("line 44 sigma'(x) = sigma(x)(1-sigma(x)):",
      np.allclose((sig(z+eps)-sig(z-eps))/(2*eps), sig(z)*(1-sig(z)), atol=1e-8))

# lines 14-16: as written they contradict lines 13 and the definitions
w = dict(zip(range(1, 9), rng.normal(size=8))); i1, i2 = 0.3, -0.7
h1, h2, oh1, oh2, o1, o2, oo1, oo2 = forward(w, i1, i2)
print(f"line 14: o1 = w7 out_h1 + w8 out_h2 -> {w[7]*oh1 + w[8]*oh2:.6f} but o1 (line 13) = {o1:.6f} (it is o2 = {o2:.6f})")
print(f"line 15: out_o1 = sigma(h1) -> {sig(h1):.6f} but out_o1 = sigma(o1) = {oo1:.6f}")
print(f"line 16: out_o2 = sigma(h2) -> {sig(h2):.6f} but out_o2 = sigma(o2) = {oo2:.6f}")
