"""Independent truth for smaxx73_course_backprop_221 (pure NumPy, no derive)."""
import numpy as np

sig = lambda z: 1 / (1 + np.exp(-z))
W1 = np.array([[0.5, 0.3], [-0.2, 0.8]]); b1 = np.array([0.1, -0.1])
W2 = np.array([[0.6, -0.4]]); b2 = np.array([0.2])
x = np.array([1.0, 0.0]); y = np.array([1.0]); eta = 1.0


def loss(W1, b1, W2, b2):
    return float(np.sum((y - sig(W2 @ sig(W1 @ x + b1) + b2)) ** 2))  # L = (y - yhat)^2, no 1/2


z1 = W1 @ x + b1; a1 = sig(z1); z2 = W2 @ a1 + b2; yh = sig(z2)
L = loss(W1, b1, W2, b2)
dLda2 = -2 * (y - yh); s2 = yh * (1 - yh); d2 = dLda2 * s2
dW2 = np.outer(d2, a1); db2 = d2
back = W2.T @ d2; s1 = a1 * (1 - a1); d1 = back * s1
dW1 = np.outer(d1, x); db1 = d1
W2n = W2 - eta * dW2

# finite-difference check of the analytic gradients
eps = 1e-6
def fd(P, idx, f):
    P[idx] += eps; lp = f(); P[idx] -= 2 * eps; lm = f(); P[idx] += eps
    return (lp - lm) / (2 * eps)
f = lambda: loss(W1, b1, W2, b2)
assert np.allclose([fd(W2, (0, j), f) for j in range(2)], dW2[0], atol=1e-7)
assert np.allclose([fd(W1, (i, j), f) for i in range(2) for j in range(2)], dW1.ravel(), atol=1e-7)
assert np.allclose([fd(b1, (i,), f) for i in range(2)], db1, atol=1e-7)

# chained values from the post's own rounded figures
p_a1 = np.array([0.6457, 0.4256]); p_yh = 0.6028
p_z2 = 0.6 * 0.6457 - 0.4 * 0.4256 + 0.2
p_d2 = -0.7944 * 0.2395

rows = [
    (23, "z1", "[0.6, -0.3]", z1),
    (27, "a1", "[0.6457, 0.4256]", a1),
    (37, "z2 (from post a1)", "0.3874 - 0.1702 + 0.2 = 0.4172", [0.6 * 0.6457, -0.4 * 0.4256, p_z2, z2[0]]),
    (41, "yhat", "0.6028", yh),
    (47, "L=(y-yhat)^2", "(0.3972)^2 = 0.1578", [1 - yh[0], L, 0.3972 ** 2]),
    (53, "delta2 = dL/da2 * sigma'(z2)", "formula", "ok"),
    (57, "dL/da2", "-0.7944", dLda2),
    (60, "sigma'(z2)", "0.6028*0.3972 = 0.2395", [s2[0], 0.6028 * 0.3972]),
    (63, "delta2", "-0.1903", [d2[0], p_d2]),
    (67, "dL/dW2", "[-0.1229, -0.0810]", [dW2, -0.1903 * p_a1]),
    (71, "dL/db2", "-0.1903", db2),
    (77, "delta1 = (W2^T delta2) . sigma'(z1)", "formula", "ok"),
    (81, "W2^T delta2", "[-0.1142, 0.0761]", [back, np.array([0.6, -0.4]) * -0.1903]),
    (85, "sigma'(z1)", "0.6457*0.3543, 0.4256*0.5744 = [0.2288, 0.2445]", [s1, 0.6457 * 0.3543, 0.4256 * 0.5744]),
    (89, "delta1", "[-0.0261, 0.0186]", [d1, -0.1142 * 0.2288, 0.0761 * 0.2445]),
    (93, "dL/dW1", "[[-0.0261, 0],[0.0186, 0]]", dW1),
    (97, "dL/db1", "[-0.0261, 0.0186]", db1),
    (105, "W2_new expression", "formula with eta=1", "ok"),
    (109, "W2_new", "[0.7229, -0.3190]", [W2n, 0.6 + 0.1229, -0.4 + 0.0810]),
]
np.set_printoptions(precision=6, suppress=True)
print(f"{'line':>4}  {'quantity':36} {'post':46} true")
for line, q, post, true in rows:
    print(f"{line:>4}  {q:36} {post:46} {true}")
