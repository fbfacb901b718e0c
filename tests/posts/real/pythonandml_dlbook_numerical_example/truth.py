"""Independent truth for pythonandml_dlbook_numerical_example (pure NumPy, no derive).
Row layout: z = a W + b^T, W has shape (inputs, units). Loss J = 1/2 sum_k (a2_k - y_k)^2 per sample
(dJ/da2 = a2 - y, as the post's d_mse); for 2 outputs this equals the mean over outputs of (a2 - y)^2."""
import numpy as np

sig = lambda z: 1 / (1 + np.exp(-z))
x = np.array([[1.0, 4.0, 5.0]]); y = np.array([[0.1, 0.05]])
W1 = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]); b1 = np.array([[0.5, 0.5]])
W2 = np.array([[0.7, 0.8], [0.9, 0.1]]); b2 = np.array([[0.5, 0.5]])
eta, m = 0.01, 1

def J(W1, b1, W2, b2):
    a2 = sig(sig(x @ W1 + b1) @ W2 + b2)
    return 0.5 * float(np.sum((a2 - y) ** 2))

z1 = x @ W1 + b1; a1 = sig(z1); z2 = a1 @ W2 + b2; a2 = sig(z2)
dJda2 = a2 - y; f2 = a2 * (1 - a2); d2 = dJda2 * f2
f1 = a1 * (1 - a1); d1 = (d2 @ W2.T) * f1
dW1 = x.T @ d1; dW2 = a1.T @ d2; db1 = d1.sum(0); db2 = d2.sum(0)
b1n = b1 - eta / m * db1; b2n = b2 - eta / m * db2

eps = 1e-6
def fd(P, idx):
    P[idx] += eps; lp = J(W1, b1, W2, b2); P[idx] -= 2 * eps; lm = J(W1, b1, W2, b2); P[idx] += eps
    return (lp - lm) / (2 * eps)
assert np.allclose([[fd(W1, (i, j)) for j in range(2)] for i in range(3)], dW1, atol=1e-9)
assert np.allclose([[fd(W2, (i, j)) for j in range(2)] for i in range(2)], dW2, atol=1e-9)
assert np.allclose([fd(b1, (0, j)) for j in range(2)], db1, atol=1e-9)
assert np.allclose([fd(b2, (0, j)) for j in range(2)], db2, atol=1e-9)

np.set_printoptions(precision=7, suppress=True)
rows = [
    (1, "x, y", "given", (x, y)),
    (5, "a2", "[0.8896, 0.8004]", a2),
    (10, "dJ/da2 = a2 - y", "[0.7896, 0.7504]", dJda2),
    (16, "delta2 = dJ/da2 (.) f2'(z2)", "formula", "ok"),
    (20, "delta2", "[0.0776, 0.1199]", d2),
    (26, "delta1 = (delta2 W2^T) (.) f1'(z1)", "formula (row layout)", "ok"),
    (30, "delta1", "[0.002, 0.0004]", d1),
    (36, "dJ/dW1 = a0^T delta1", "formula (row layout)", dW1),
    (40, "dJ/dW2 = a1^T delta2", "formula (row layout)", "ok"),
    (44, "dJ/dW2", "[[0.0765, 0.1183], [0.0772, 0.1193]]", dW2),
    (51, "dJ/db1 = sum delta1", "[0.002; 0.0004]", db1),
    (58, "dJ/db2 = sum delta2", "[0.0775; 0.1199]", db2),
    (64, "eta", "0.01", eta),
    (67, "b1 new", "[0.49998; 0.499995]", (b1n, 0.5 - 0.01 * 0.002, 0.5 - 0.01 * 0.0004)),
    (74, "b2 new", "[0.49922; 0.49880]", (b2n, 0.5 - 0.01 * 0.0775, 0.5 - 0.01 * 0.1199)),
]
print(f"{'line':>4}  {'quantity':36} {'post':38} true")
for line, q, post, true in rows:
    print(f"{line:>4}  {q:36} {post:38} {true}")
