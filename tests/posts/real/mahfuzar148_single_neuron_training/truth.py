"""Independent truth for tests/posts/real/mahfuzar148_single_neuron_training (pure NumPy, no derive).
One sigmoid unit, x = (3000, 6, 1), y = 0, w = (0.001, 0.01, -0.005), b = 0.1, eta = 1e-5,
loss l = (y - yhat)^2 (no 1/2; one output, one sample, so SSE = MSE)."""
import numpy as np

sig = lambda z: 1.0 / (1.0 + np.exp(-z))
x = np.array([3000.0, 6.0, 1.0]); y = 0.0
w = np.array([0.001, 0.01, -0.005]); b = 0.1; eta = 1e-5
z = w @ x + b; yh = sig(z)
L = (y - yh) ** 2
dl_dyh = -2 * (y - yh)
dyh_dz = yh * (1 - yh)
dl_dz = dl_dyh * dyh_dz
gw = dl_dz * x; gb = dl_dz
wn = w - eta * gw; bn = b - eta * gb
rows = [
    (26, "z", "3.155", z, ""),
    (30, "yhat = sigma(3.155)", "0.9591", yh, ""),
    (34, "Loss = (0-0.9591)^2", "0.91988", L, f"from 0.9591: {0.9591**2:.6f}"),
    (38, "dl/dyhat = -2(y-yhat)", "1.9182", dl_dyh, ""),
    (41, "dyhat/dz = 0.9591(1-0.9591)", "0.03932", dyh_dz, f"from 0.9591: {0.9591*(1-0.9591):.6f}"),
    (45, "dl/dz = 1.9182*0.03932", "0.0755", dl_dz, f"post arith {1.9182*0.03932:.6f}"),
    (48, "dl/dw1", "226.5", gw[0], ""),
    (51, "dl/dw2", "0.453", gw[1], ""),
    (54, "dl/dw3", "0.0755", gw[2], ""),
    (57, "dl/db", "0.0755", gb, ""),
    (61, "w1 new", "-0.001265", wn[0], f"post arith {0.001-1e-5*226.5:.7f}"),
    (64, "w2 new", "0.0099955", wn[1], f"post arith {0.01-1e-5*0.453:.9f}"),
    (67, "w3 new", "-0.005000755", wn[2], f"post arith {-0.005-1e-5*0.0755:.10f}"),
    (70, "b new", "0.09999924", bn, f"post arith {0.1-1e-5*0.0755:.10f}"),
]
print(f"{'line':>4}  {'quantity':28} {'post':>13}  {'true':>16}  note")
for line, q, post, true, note in rows:
    print(f"{line:>4}  {q:28} {post:>13}  {true:16.10g}  {note}")
