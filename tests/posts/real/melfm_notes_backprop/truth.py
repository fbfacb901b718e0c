"""Independent truth for tests/posts/real/melfm_notes_backprop (pure NumPy, no derive)."""
import numpy as np

sig = lambda z: 1.0 / (1.0 + np.exp(-z))
x = np.array([0.05, 0.10]); t = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]]); b1 = 0.35
W2 = np.array([[0.40, 0.45], [0.50, 0.55]]); b2 = 0.60
eta = 0.5

z = W1 @ x + b1; h = sig(z)
y = W2 @ h + b2; o = sig(y)
E = 0.5 * (t - o) ** 2
dE_do = o - t
do_dy = o * (1 - o)
delta_o = dE_do * do_dy
gW2 = np.outer(delta_o, h)
W2new = W2 - eta * gW2

# the post's own chain, to show which figures are carried
h1p, h2p = 0.5812, 0.5969
y1p = 0.4 * h1p + 0.45 * h1p + 0.6
rows = [
    (8,  "z1 = 0.15*0.05+0.2*0.1+0.30", "0.3275", z[0], f"(with b1=0.30: {0.15*0.05+0.2*0.1+0.30:.4f})"),
    (12, "h1 = sigma(z1)", "0.5812", h[0], f"(sigma(0.3275) = {sig(0.3275):.4f})"),
    (15, "h2", "0.5969", h[1], ""),
    (19, "y1 = 0.4*0.5812+0.45*0.5812+0.6", "1.094", y[0], f"(post's arithmetic {y1p:.5f})"),
    (20, "y1hat = sigma(y1)", "0.7491", o[0], f"(sigma(1.094) = {sig(1.094):.5f})"),
    (23, "out_y2", "0.7703", o[1], f"(post pattern w7*h1+w8*h1: {sig(0.5*h1p+0.55*h1p+0.6):.5f}; w7*h1+w8*h2: {sig(0.5*h1p+0.55*h2p+0.6):.5f})"),
    (31, "E_y1 = 1/2(0.01-0.7491)^2", "0.2731", E[0], f"(arith {0.5*(0.01-0.7491)**2:.5f})"),
    (35, "E_y2 = 1/2(0.01-0.7703)^2", "0.289", E[1], f"(arith {0.5*(0.01-0.7703)**2:.5f}; right target 0.99)"),
    (46, "dE/dy1hat = -(0.01-0.7491)", "0.7391", dE_do[0], ""),
    (51, "dy1hat/dnet = 0.7391(1-0.7391)", "0.1928", do_dy[0], f"(post's own y1hat: {0.7491*(1-0.7491):.5f}; arith {0.7391*(1-0.7391):.5f})"),
    (56, "d net_y1 / dw5 = out_h1", "0.5932", h[0], f"(d y1hat/dw5 = {do_dy[0]*h[0]:.5f})"),
    (64, "dE/dw5 = 0.7391*0.1928*0.5932", "0.0845", gW2[0, 0], f"(arith {0.7391*0.1928*0.5932:.5f})"),
    (68, "w5+ = 0.4-0.5*0.0845", "0.3578", W2new[0, 0], f"(arith {0.4-0.5*0.0845:.5f})"),
    (71, "w6+", "0.4078", W2new[0, 1], f"(post's chain: {0.45-0.5*0.7391*0.1928*h2p:.5f})"),
]
print(f"{'line':>4}  {'quantity':38} {'post':>8}  {'true':>12}  note")
for line, q, post, true, note in rows:
    print(f"{line:>4}  {q:38} {post:>8}  {true:12.6f}  {note}")
print("E_total true", E.sum(), " delta_o", delta_o)
