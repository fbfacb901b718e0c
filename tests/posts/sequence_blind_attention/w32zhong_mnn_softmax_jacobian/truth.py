"""Independent truth for tests/posts/sequence_blind_attention/w32zhong_mnn_softmax_jacobian (NumPy and torch, no derive).

The docstring of mnn's SoftmaxLayer.backward: y = softmax(x) over one row (the layer applies it along axis 1, row by
row), dy_i/dx_k for i = k and i != k, the Jacobian matrix, and the shifted (numerically stable) softmax. Every
printed expression is evaluated for every index on random logits, against torch.autograd.functional.jacobian of
torch.softmax."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

rng = np.random.default_rng(17)
n = 5
x = rng.normal(size=n)
xt = torch.tensor(x, dtype=torch.float64)
J = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), xt).numpy()   # J[i, k] = dy_i/dx_k
y = torch.softmax(xt, 0).numpy()
e, S = np.exp(x), np.exp(x).sum()

# line 9: i = k, five expressions chained by '='
ok9 = True
for i in range(n):
    k = i
    steps = [(e[i] * S - e[i] * e[i]) / S ** 2,
             e[i] * (S - e[i]) / S ** 2,
             e[i] / S * (S - e[i]) / S,
             y[i] * (1 - y[i]),
             y[i] - y[i] * y[k]]
    ok9 &= all(np.isclose(s, J[i, i]) for s in steps)
decide(9, ok9, "i = k: the quotient rule, its factorings, y_i(1 - y_i) and y_i - y_i y_k (k = i) all equal dy_i/dx_i")

ok13 = True
for i in range(n):
    for k in range(n):
        if i != k:
            ok13 &= np.isclose((0 - e[i] * e[k]) / S ** 2, J[i, k]) and np.isclose(-y[i] * y[k], J[i, k])
decide(13, ok13, "i != k: (0 - e^x_i e^x_k)/S^2 = -y_i y_k = dy_i/dx_k for every pair")

# line 17: the printed matrix, entries (row, col) that the line spells out (1-based; n the last index)
N = n - 1  # 0-based index of n
printed = {(0, 0): y[0] - y[0] * y[0], (0, 1): -y[0] * y[1], (0, N): -y[0] * y[N],
           (1, 0): y[1] * y[0], (1, 1): y[1] - y[0] * y[1], (1, N): -y[0] * y[N],
           (N, 0): y[N] * y[0], (N, 1): -y[N] * y[1], (N, N): y[N] - y[N] * y[N]}
bad = [(r + 1 if r < N else 'n', c + 1 if c < N else 'n') for (r, c), v in printed.items() if not np.isclose(v, J[r, c])]
rhs = np.allclose(np.diag(y) - np.outer(y, y), J)
decide(17, not bad and rhs,
       f"printed entries that miss dy_i/dx_k: {bad} (y_2 y_1 and y_n y_1 lose the minus, y_2 - y_1 y_2 should be "
       f"y_2 - y_2 y_2, row 2's last entry -y_1 y_n should be -y_2 y_n); the right side diag(y) - y y^T is right: {rhs}")

# line 23: subtracting m = max(x) leaves the softmax unchanged, for every row of a matrix (the layer's axis = 1)
X = rng.normal(size=(3, n)) * 4
m = X.max(1, keepdims=True)
shifted = np.exp(X - m) / np.exp(X - m).sum(1, keepdims=True)
decide(23, np.allclose(np.exp(X) / np.exp(X).sum(1, keepdims=True), shifted)
       and np.allclose(shifted, torch.softmax(torch.tensor(X), 1).numpy()),
       "exp(x_i)/sum exp(x_j) = exp(x_i - m)/sum exp(x_j - m) = torch.softmax, row by row")

finish()
