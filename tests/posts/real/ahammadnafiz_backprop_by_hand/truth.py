"""Independent truth for ahammadnafiz_backprop_by_hand (pure NumPy, no derive).
3-3-3-3-3: ReLU, ReLU, ReLU, softmax; zero biases; cross-entropy -sum Y log A[4]; one sample (m = 1); column layout."""
import numpy as np

X = np.array([1.0, 4.0, 7.0]); Y = np.array([1.0, 0.0, 0.0])
W = [np.array(w) for w in (
    [[0.2, -0.1, 0.4], [0.5, 0.3, -0.6], [-0.2, 0.1, 0.3]],
    [[0.1, -0.2, 0.5], [0.4, 0.1, -0.3], [-0.1, 0.3, 0.2]],
    [[0.3, 0.1, -0.4], [0.2, -0.5, 0.6], [-0.3, 0.2, 0.4]],
    [[0.2, -0.1, 0.5], [0.4, 0.1, -0.3], [-0.2, 0.3, 0.2]])]
relu = lambda z: np.maximum(z, 0)
def softmax(z):
    e = np.exp(z - z.max()); return e / e.sum()

def forward(W):
    A = [X]; Z = []
    for l, w in enumerate(W):
        z = w @ A[-1]; Z.append(z)
        A.append(softmax(z) if l == 3 else relu(z))
    return Z, A
def loss(W):
    return float(-np.sum(Y * np.log(forward(W)[1][-1])))

Z, A = forward(W)
dZ4 = A[4] - Y
dW4 = np.outer(dZ4, A[3])
dZ3 = (W[3].T @ dZ4) * (Z[2] > 0)
dW3 = np.outer(dZ3, A[2])

eps = 1e-6
for l, dW in ((3, dW4), (2, dW3)):
    num = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            W[l][i, j] += eps; lp = loss(W); W[l][i, j] -= 2 * eps; lm = loss(W); W[l][i, j] += eps
            num[i, j] = (lp - lm) / (2 * eps)
    assert np.allclose(num, dW, atol=1e-8), (l, num, dW)

# the post's own chain (its wrong dZ[4] = Z[4] - Y) for the carried / primary split
p_dZ4 = np.array([-0.9471, 0.1739, -0.0075])
p_A3 = np.array([0.378, 0.227, 0.0]); p_A2 = np.array([1.41, 0.35, 0.20])
p_back = W[3].T @ p_dZ4
p_terms3 = (0.5 * -0.9471, -0.3 * 0.1739, 0.2 * -0.0075)
p_dZ3 = np.array([-0.11836, 0.10985, 0.0])

np.set_printoptions(precision=5, suppress=True)
rows = [
    (4, "Z[4]_1 terms", "0.0756 - 0.0227 + 0 = 0.0529", Z[3][0]),
    (5, "Z[4]_2 terms", "0.1512 + 0.0227 + 0 = 0.1739", Z[3][1]),
    (6, "Z[4]_3 terms", "-0.0756 + 0.0681 + 0 = -0.0075", Z[3][2]),
    (11, "e^{0.0529}", "1.0543", np.exp(0.0529)),
    (12, "e^{0.1739}", "1.1904", np.exp(0.1739)),
    (13, "e^{-0.0075}", "0.9925", np.exp(-0.0075)),
    (16, "softmax_1", "1.0543/3.2372 = 0.3252", (A[4][0], 1.0543 / 3.2372)),
    (17, "softmax_2", "1.1904/3.2372 = 0.3685", (A[4][1], 1.1904 / 3.2372)),
    (18, "softmax_3", "0.9925/3.2372 = 0.3063", (A[4][2], 0.9925 / 3.2372)),
    (24, "dZ[4] = A[4] - Y", "formula", "ok for softmax + cross-entropy"),
    (30, "A[4] = Z[4]", "assumption", ("A[4] =", A[4], "Z[4] =", Z[3])),
    (36, "dZ[4]", "[-0.9471, 0.1739, -0.0075]", dZ4),
    (52, "dW[4] = 1/m dZ[4] A[3]^T", "formula", "ok"),
    (57, "dW[4]", "[[-0.3576,-0.2144,0],[0.0657,0.0395,0],[0.0014,0.0008,0]]", (dW4, "from post dZ4:", np.outer(p_dZ4, p_A3))),
    (65, "dZ[3] = (W[4]^T dZ[4]) (.) g'(Z[3])", "formula", "ok"),
    (69, "(W4^T dZ4)_1", "-0.18942 + 0.06956 + 0.0015 = -0.11836", ((W[3].T @ dZ4)[0], "post chain", p_back[0])),
    (70, "(W4^T dZ4)_2", "0.09471 + 0.01739 - 0.00225 = 0.10985", ((W[3].T @ dZ4)[1], "post chain", p_back[1])),
    (71, "(W4^T dZ4)_3", "-0.47355 - 0.52107 - 0.0015 = -0.99612", ((W[3].T @ dZ4)[2], "post chain terms", p_terms3, p_back[2])),
    (74, "dW[3]", "[[-0.16738,-0.04149,-0.02367],[0.15576,0.03849,0.02197],[0,0,0]]", (dW3, "from post dZ3:", np.outer(p_dZ3, p_A2))),
]
print(f"{'line':>4}  {'quantity':36} {'post':60} true")
for line, q, post, true in rows:
    print(f"{line:>4}  {q:36} {post:60} {true}")
print("ReLU masks: Z[3] =", Z[2], " A[3] =", A[3], " A[2] =", A[2])
