"""Independent truth for tests/posts/real/gmyhf_geeksforgeeks_backprop (pure NumPy, no derive).
w_{i,j}: input/unit i -> unit j. h1 (output y3) has w11 = 0.2 (x1), w21 = 0.2 (x2); h2 (y4) has
w12 = 0.3, w22 = 0.3; O3 (y5) has w13 = 0.3 (from y3), w23 = 0.9 (from y4). No biases, target 0.5,
eta = 1, delta = y(1-y)(t-y) (= -dE/da for E = 1/2 (t-y)^2), w_new = w + eta*delta*input."""
import numpy as np

sig = lambda z: 1.0 / (1.0 + np.exp(-z))
x = np.array([0.35, 0.7]); t = 0.5; eta = 1.0
W1 = np.array([[0.2, 0.2], [0.3, 0.3]])  # rows: h1, h2; cols: x1, x2
W2 = np.array([0.3, 0.9])                # from y3, y4

def forward(W1, W2):
    a = W1 @ x; y = sig(a); a3 = W2 @ y; y5 = sig(a3)
    return a, y, a3, y5

a, y, a3, y5 = forward(W1, W2)
d5 = y5 * (1 - y5) * (t - y5)
dh = y * (1 - y) * (W2 * d5)           # original W2
W2n = W2 + eta * d5 * y
W1n = W1 + eta * np.outer(dh, x)
a_, y_, a3_, y5_ = forward(W1n, W2n)

# the post's new weights, to see which after-update outputs are carried
W1p = np.array([[0.200945, 0.269445], [0.273225, 0.18534]]); W2p = np.array([0.086615, 0.877816])
ap, yp, a3p, y5p = forward(W1p, W2p)

rows = [
    (15, "a1", "0.21", a[0], ""),
    (21, "y3 = F(0.21)", "0.56", y[0], ""),
    (25, "a2", "0.315", a[1], ""),
    (28, "y4 = F(0.315)", "0.578", y[1], ""),
    (32, "a3 = .3*.56+.9*.58", "0.702", a3, f"post arith {0.3*0.56+0.9*0.58:.4f}"),
    (35, "y5 = F(0.702)", "0.67", y5, f"F(0.702)={sig(0.702):.5f}"),
    (40, "error = 0.5 - y5", "-0.17", t - y5, ""),
    (48, "delta5", "-0.0376", d5, f"post arith {0.67*(1-0.67)*(-0.17):.6f}"),
    (53, "delta3", "-0.0027", dh[0], f"post arith {0.56*(1-0.56)*(0.3*-0.0376):.6f}"),
    (57, "delta4", "-0.0819", dh[1], f"post arith {0.59*(1-0.59)*(0.9*-0.0376):.6f}"),
    (60, "dw23 = eta*delta5*y4", "-0.022184", eta * d5 * y[1], f"post arith {-0.0376*0.59:.6f}"),
    (62, "w23 new", "0.877816", W2n[1], ""),
    (64, "dw11 = eta*delta3*x1", "0.000945", eta * dh[0] * x[0], f"post arith {-0.0027*0.35:.6f}"),
    (66, "w11 new", "0.200945", W1n[0, 0], ""),
    (68, "w12 new (x1->h2)", "0.273225", W1n[1, 0], ""),
    (69, "w13 new (y3->O3)", "0.086615", W2n[0], ""),
    (70, "w21 new (x2->h1)", "0.269445", W1n[0, 1], ""),
    (71, "w22 new (x2->h2)", "0.18534", W1n[1, 1], f"0.3-2*0.0819*0.7={0.3-2*0.0819*0.7:.5f}"),
    (73, "y3 after update", "0.57", y_[0], f"with the post's weights {yp[0]:.4f}"),
    (74, "y4 after update", "0.56", y_[1], f"with the post's weights {yp[1]:.4f}"),
    (75, "y5 after update", "0.61", y5_, f"with the post's weights {y5p:.4f}"),
    (79, "error after update", "-0.11", t - y5_, ""),
]
print(f"{'line':>4}  {'quantity':24} {'post':>10}  {'true':>12}  note")
for line, q, post, true, note in rows:
    print(f"{line:>4}  {q:24} {post:>10}  {true:12.6f}  {note}")
