"""Independent truth for debasishmaji_matrix_multiplication_nn (pure NumPy, no derive).
5-3-1, ReLU hidden, sigmoid output, binary cross-entropy (natural log), one sample, column layout, per-unit biases."""
import numpy as np

sig = lambda z: 1 / (1 + np.exp(-z))
x = np.array([1.0, 0.0, 1.0, 0.0, 0.0]); y = 1.0
W1 = np.array([[0.5, -0.2, 0.3, 0.0, -0.1], [-0.4, 0.6, -0.1, -0.5, 0.2], [0.1, -0.3, 0.7, -0.2, 0.4]])
b1 = np.array([0.1, -0.1, 0.05]); W2 = np.array([[0.2, -0.3, 0.5]]); b2 = np.array([0.0]); alpha = 0.1

def L(W1, b1, W2, b2):
    yh = sig(W2 @ np.maximum(W1 @ x + b1, 0) + b2)[0]
    return -(y * np.log(yh) + (1 - y) * np.log(1 - yh))

z1 = W1 @ x + b1; a1 = np.maximum(z1, 0); z2 = W2 @ a1 + b2; yh = sig(z2)
d2 = yh - y; dW2 = np.outer(d2, a1); back = W2.T @ d2; d1 = back * (z1 > 0)
dW1 = np.outer(d1, x); W2n = W2 - alpha * dW2; b2n = b2 - alpha * d2

eps = 1e-6
def fd(P, idx):
    P[idx] += eps; lp = L(W1, b1, W2, b2); P[idx] -= 2 * eps; lm = L(W1, b1, W2, b2); P[idx] += eps
    return (lp - lm) / (2 * eps)
assert np.allclose([fd(W2, (0, j)) for j in range(3)], dW2[0], atol=1e-8)
assert np.allclose([[fd(W1, (i, j)) for j in range(5)] for i in range(3)], dW1, atol=1e-8)
assert np.allclose(fd(b2, (0,)), d2[0], atol=1e-8)

np.set_printoptions(precision=6, suppress=True)
rows = [
    (2, "W2 (1x3 row)", "[0.2 -0.3 0.5]", W2),
    (10, "z2", "0.18 + 0 + 0.425 = 0.605", z2),
    (14, "yhat", "0.646", yh),
    (18, "L = -ln(yhat)", "0.437", (L(W1, b1, W2, b2), "from 0.646:", -np.log(0.646))),
    (22, "delta2 = yhat - y", "-0.354", d2),
    (26, "dL/dW2 = delta2 a1^T", "formula", "ok (1x3)"),
    (30, "dL/dW2", "[-0.3186 0 -0.3009]", (dW2, "from -0.354:", -0.354 * a1)),
    (35, "z1", "[0.9; -0.6; 0.85]", z1),
    (38, "delta1 = (W2^T delta2) (.) f'(z1)", "formula", "ok"),
    (42, "W2^T delta2", "[-0.0708; 0.1062; -0.177]", (back, "from -0.354:", -0.354 * W2[0])),
    (54, "W2_new = W2 - alpha dL/dW2", "formula", "ok"),
    (58, "W2_new", "column [0.23186; -0.3; 0.53009]", (W2n, "shape", W2n.shape, "from post:", 0.2 + 0.03186, 0.5 + 0.03009)),
    (78, "b2_new", "0.0354", (b2n, "from -0.354:", 0.0354)),
]
print(f"{'line':>4}  {'quantity':34} {'post':34} true")
for line, q, post, true in rows:
    print(f"{line:>4}  {q:34} {post:34} {true}")
