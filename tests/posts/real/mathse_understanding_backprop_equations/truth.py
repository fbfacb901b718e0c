"""Independent truth for mathse_understanding_backprop_equations (pure NumPy, no derive).
Symbolic post: Ng's 2-layer net without biases, Z1 = W1 X, A1 = g(Z1), Z2 = W2 A1, A2 = sigmoid(Z2),
cost J = -(1/m) sum_i [y log a2 + (1-y) log(1-a2)]. Each formula is checked at random values (m = 4 samples,
sizes 2-3-1, also 3-4-1 with m = 4 = n1 so that the juxtaposed product in line 7 type-checks) against central
finite differences of J, for two hidden activations g (tanh, softplus)."""
import numpy as np

rng = np.random.default_rng(0)
sig = lambda z: 1 / (1 + np.exp(-z))
acts = {"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
        "softplus": (lambda z: np.log1p(np.exp(z)), sig)}

def check(n0, n1, m, gname):
    g, gp = acts[gname]
    X = rng.normal(size=(n0, m)); Y = (rng.random((1, m)) > 0.5).astype(float)
    W1 = rng.normal(size=(n1, n0)); W2 = rng.normal(size=(1, n1))
    def J(W1, W2):
        A2 = sig(W2 @ g(W1 @ X))
        return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
    Z1 = W1 @ X; A1 = g(Z1); Z2 = W2 @ A1; A2 = sig(Z2)
    def fd(W):
        G = np.zeros_like(W); e = 1e-6
        for idx in np.ndindex(W.shape):
            W[idx] += e; p = J(W1, W2); W[idx] -= 2 * e; q = J(W1, W2); W[idx] += e
            G[idx] = (p - q) / (2 * e)
        return G
    dW1_true, dW2_true = fd(W1), fd(W2)
    # dZ2 per Ng: the per-example dL/dZ2 (= m * dJ/dZ2); check via dJ/dZ2 by finite differences on Z2
    def J_of_Z2(Z2):
        A = sig(Z2); return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
    dJdZ2 = np.zeros_like(Z2); e = 1e-6
    for idx in np.ndindex(Z2.shape):
        Zp = Z2.copy(); Zp[idx] += e; Zm = Z2.copy(); Zm[idx] -= e
        dJdZ2[idx] = (J_of_Z2(Zp) - J_of_Z2(Zm)) / (2 * e)
    dZ2 = A2 - Y
    res = {}
    res[3] = np.allclose(dZ2, m * dJdZ2, atol=1e-6)                      # dZ2 = A2 - y (per-example convention)
    dW2 = (1 / m) * dZ2 @ A1.T
    res[5] = np.allclose(dW2, dW2_true, atol=1e-6)                       # dW2 = 1/m dZ2 A1^T
    dZ1_elem = (W2.T @ dZ2) * gp(Z1)
    res["7 (with elementwise *)"] = np.allclose((1 / m) * dZ1_elem @ X.T, dW1_true, atol=1e-6)
    if m == n1:                                                          # juxtaposition as a matrix product
        dZ1_mat = (W2.T @ dZ2) @ gp(Z1)
        res["7 (as written, matrix product)"] = np.allclose((1 / m) * dZ1_mat @ X.T, dW1_true, atol=1e-6)
    else:
        res["7 (as written, matrix product)"] = f"undefined: ({n1}x{m}) @ ({n1}x{m})"
    res[9] = np.allclose((1 / m) * dZ1_elem @ X.T, dW1_true, atol=1e-6)  # dW1 = 1/m dZ1 X^T (X^{[T]} read as X^T)
    E_as_written = -(1 / m) * (Y * np.log(A2) + (1 - Y) * np.log(1 - A2))  # no sum over the m examples
    res["27 E (as written)"] = (f"a 1x{m} row, not the scalar cost; its sum = {E_as_written.sum():.6f}, "
                                f"J = {J(W1, W2):.6f}; single entry = {E_as_written[0, 0]:.6f}")
    return res

print(f"{'sizes':18} {'g':9} line/claim -> holds")
for n0, n1, m in ((2, 3, 4), (3, 4, 4)):
    for gname in acts:
        for k, v in check(n0, n1, m, gname).items():
            print(f"{n0}-{n1}-1, m={m:<6} {gname:9} {k}: {v}")
