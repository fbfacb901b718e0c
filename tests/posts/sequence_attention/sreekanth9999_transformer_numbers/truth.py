"""Independent truth for tests/posts/sequence_attention/sreekanth9999_transformer_numbers (NumPy and torch, no derive).

The post's worked numbers, recomputed: each printed matrix row from the post's own printed inputs of that step
(X and the weights for Q, K, V; the printed Q and K for the scores; the printed scores for the softmax; the printed
alpha and V for the output; the printed output for H; the printed H for z; the printed z for y-hat; the printed
y-hat for the loss), held to half a unit of the row's last printed digit. The formulas are checked against torch."""
import numpy as np
import torch
import torch.nn.functional as F
# the shared bookkeeping (../verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verdicts import decide, unchecked, finish  # noqa: E402

X = np.array([[0.1, 0.3, 0.5, 0.2, 0.0], [0.6, 0.7, 0.2, 0.1, 0.3], [0.4, 0.2, 0.6, 0.5, 0.1]])
WQ = np.array([[0.2, 0.1, 0.0], [0.0, 0.3, 0.2], [0.1, 0.0, 0.4], [0.3, 0.2, 0.1], [0.0, 0.2, 0.3]])
WK = np.array([[0.1, 0.0, 0.3], [0.2, 0.1, 0.0], [0.3, 0.2, 0.1], [0.1, 0.0, 0.2], [0.0, 0.3, 0.1]])
WV = np.array([[0.2, 0.0, 0.1], [0.0, 0.3, 0.2], [0.1, 0.2, 0.3], [0.3, 0.1, 0.0], [0.2, 0.0, 0.2]])
Qp = np.array([[0.23, 0.18, 0.28], [0.39, 0.38, 0.38], [0.38, 0.27, 0.45]])
Kp = np.array([[0.26, 0.17, 0.25], [0.48, 0.35, 0.42], [0.44, 0.32, 0.39]])
Vp = np.array([[0.17, 0.22, 0.29], [0.35, 0.37, 0.36], [0.31, 0.33, 0.29]])
Sp = np.array([[0.067, 0.061, 0.061], [0.097, 0.089, 0.088], [0.099, 0.090, 0.088]])
Ap = np.array([[0.340, 0.330, 0.330], [0.337, 0.332, 0.331], [0.338, 0.332, 0.330]])
Op = np.array([[0.224, 0.234, 0.274], [0.225, 0.234, 0.274], [0.225, 0.234, 0.274]])
W1 = np.array([[0.1, 0.2, 0.1], [0.2, 0.1, 0.3], [0.3, 0.2, 0.1]])
Hp = np.array([[0.30, 0.21, 0.32]] * 3)
W2 = np.array([0.4, 0.3, 0.2])
zp, yp, Lp = 0.76, 0.681, 0.383


def rows(lines, printed, computed, decimals, what):
    for r, ln in enumerate(lines):
        ok = np.all(np.abs(printed[r] - computed[r]) <= 0.5 * 10.0 ** -decimals + 1e-12)
        decide(ln, ok, f"{what} row {r + 1}: {np.round(computed[r], decimals + 1)} vs printed {printed[r]}")


t = lambda a: torch.tensor(a, dtype=torch.float64)
decide(71, np.allclose((t(X) @ t(WQ)).numpy(), X @ WQ), "Q = X W_Q, K = X W_K, V = X W_V (definitions)")
rows((80, 81, 82), Qp, X @ WQ, 2, "X W_Q")
rows((90, 91, 92), Kp, X @ WK, 2, "X W_K")
rows((100, 101, 102), Vp, X @ WV, 2, "X W_V")
ref = F.scaled_dot_product_attention(t(Qp)[None], t(Kp)[None], t(Vp)[None])[0].numpy()
decide(111, np.allclose(torch.softmax(t(Qp @ Kp.T / np.sqrt(3)), 1).numpy() @ Vp, ref),
       "Score = Q_i . K_j/sqrt(3) is the scale of scaled_dot_product_attention (d_k = 3)")
rows((118, 119, 120), Sp, Qp @ Kp.T / np.sqrt(3), 3, "printed Q K^T/sqrt(3)")
decide(131, True, "alpha = the row softmax of the scores (a definition)")
rows((133, 134, 135), Ap, torch.softmax(t(Sp), 1).numpy(), 3, "softmax of the printed scores")
decide(144, np.allclose(np.einsum('ij,jk->ik', Ap, Vp), Ap @ Vp), "AttentionOutput_i = sum_j alpha_ij V_j = alpha V")
rows((151, 152, 153), Op, Ap @ Vp, 3, "printed alpha V")
decide(180, True, "ReLU(O W_1 + b_1), the FFN's first layer (a definition)")
rows((187, 188, 189), Hp, np.maximum(Op @ W1, 0), 2, "ReLU(printed O W_1)")
decide(207, True, "z = H W_2 (a definition)")
z = Hp @ W2
decide(209, np.all(np.abs(z - zp) <= 0.005), f"printed H W_2 = {z.round(4)}, not 0.76")
sig = 1 / (1 + np.exp(-zp))
print(f"   (sigmoid of the printed z = {sig:.4f}; of the right z = {1 / (1 + np.exp(-z[0])):.4f})")
decide(215, abs(sig - yp) <= 0.0005 and np.all(np.abs(z - zp) <= 0.005), "right for the printed z = 0.76, which is wrong")
L = -(np.log(yp) + 2 * np.log(1 - yp))
Lt = F.binary_cross_entropy(t([yp] * 3), t([1.0, 0.0, 0.0]), reduction="sum").item()
decide(227, abs(L - Lp) <= 0.0005 or abs(L / 3 - Lp) <= 0.0005, f"-(log 0.681 + 2 log 0.319) = {L:.4f} (torch BCE sum {Lt:.4f}, mean {L / 3:.4f}), not 0.383")
unchecked(240, "a verbal claim that dL/dV flows through the softmax; no value (dL/dV = alpha^T dL/dO)")

finish()
