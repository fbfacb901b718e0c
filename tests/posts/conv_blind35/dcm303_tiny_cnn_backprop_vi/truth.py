"""Independent truth for tests/posts/conv_blind35/dcm303_tiny_cnn_backprop_vi (NumPy and torch, no derive).

The post (dcm303/Docu, DN+CNN.md, 'Giải Mã Backpropagation: Ví dụ Số liệu Cụ thể & Công thức', in Vietnamese) runs
one training step of a 'tiny CNN' by hand: an input [10, 10, 0] (a 3x1 image), one 2x1 filter [0.5, -0.5] slid over
it at stride 1 without padding (a cross-correlation, feature map [0, 5]), an output Y_pred that sums the feature map,
the loss L = (Y_pred - 10)^2 (the target 10 of line 41), dL/dY_pred, the derivative of Y_pred by the two filter
weights, the two gradients and a gradient-descent step with eta = 0.01.

Everything is checked in float64 with torch: conv1d for the forward pass and autograd for the gradients of
L = (sum(conv1d(x, w)) - 10)^2 by w. The post takes dY_pred/dW from the window that produced the 5 only (Pixel_2,
Pixel_3); Y_pred sums both windows, and the first window [10, 10] also multiplies W_trai and W_phai, so
dY_pred/dW_trai = Pixel_1 + Pixel_2 = 20 and dY_pred/dW_phai = Pixel_2 + Pixel_3 = 10 (not 10 and 0), the gradients
are -200 and -100 (not -100 and 0) and the step gives [2.5, 0.5] (not [1.5, -0.5]). The update lines are checked
against autograd's gradients, as the post's gradients stand in for them."""
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3601)
T = lambda a: torch.tensor(np.ascontiguousarray(a, dtype=np.float64))

x = np.array([10.0, 10.0, 0.0])     # Pixel_1, Pixel_2, Pixel_3 (line 11)
w = np.array([0.5, -0.5])           # W_trai, W_phai (line 21)
target, eta = 10.0, 0.01            # line 41 ('Ta mong muốn kết quả là 10') and line 90


def forward(x, w):
    """feature map (torch conv1d, a cross-correlation at stride 1 without padding) and Y_pred = its sum."""
    fm = F.conv1d(T(x)[None, None], T(w)[None, None])[0, 0]
    return fm, fm.sum()


def grads(x, w, target):
    """dL/dY_pred and dL/dw by autograd for L = (Y_pred - target)^2."""
    wt = T(w).requires_grad_(True)
    fm = F.conv1d(T(x)[None, None], wt[None, None])[0, 0]
    Y = fm.sum()
    Y.retain_grad()
    L = (Y - target) ** 2
    L.backward()
    return Y.grad.item(), wt.grad.numpy().copy(), L.item()


fm, Y = forward(x, w)
fm = fm.numpy()
dLdY, dLdw, L = grads(x, w, target)
dYdw = torch.autograd.functional.jacobian(lambda v: F.conv1d(T(x)[None, None], v[None, None])[0, 0].sum(),
                                          T(w)).numpy()

# ---- forward pass (lines 24-34)
decide(25, np.isclose(10 * 0.5 + 10 * -0.5, 0) and np.isclose(fm[0], 0),
       "the first window [10, 10] times [0.5, -0.5] gives 5 - 5 = 0, the first entry of torch conv1d")
decide(27, np.isclose(10 * 0.5 + 0 * -0.5, 5) and np.isclose(fm[1], 5),
       "the second window [10, 0] times [0.5, -0.5] gives 5 - 0 = 5, the second entry of torch conv1d")
decide(29, np.allclose(fm, [0, 5]) and fm.shape == (2,),
       "a 3-long input and a 2-tap filter at stride 1 without padding: the feature map [0, 5] (torch conv1d)")
decide(34, np.isclose(Y.item(), 5), "Y_pred = 0 + 5 = 5, the sum of the feature map")

# ---- loss (lines 44-47)
yp, yt = rng.normal(size=2)
decide(44, np.isclose((yp - yt) ** 2, F.mse_loss(T([yp]), T([yt]), reduction="sum").item()),
       "the squared error (Y_pred - Y_true)^2 of one output (torch mse_loss with reduction sum)")
decide(47, np.isclose((5 - 10) ** 2, 25) and np.isclose(L, 25),
       "L = (5 - 10)^2 = 25 with the target 10 of line 41")

# ---- chain rule and dL/dY_pred (lines 59-63)
wr = rng.normal(size=2)
dY_r, dw_r, _ = grads(x, wr, target)
jac_r = np.array(x[:2] + x[1:])  # dY_pred/dw_k = sum over windows of the pixel w_k multiplies
decide(59, np.allclose(dw_r, dY_r * jac_r),
       "dL/dW = dL/dY_pred x dY_pred/dW holds for the scalar Y_pred (autograd at a random filter)")
yr = rng.normal()
yt_ = T(yr).requires_grad_(True)
((yt_ - 10) ** 2).backward()
decide(62, np.isclose(yt_.grad.item(), 2 * (yr - 10)), "d/dY (Y - 10)^2 = 2 (Y - 10) (autograd at a random Y)")
decide(63, np.isclose(2 * (5 - 10), -10) and np.isclose(dLdY, -10), "dL/dY_pred = 2 (5 - 10) = -10 (autograd)")

# ---- the second window's forward formula (lines 69-70)
decide(69, np.isclose(x[1] * w[0] + x[2] * w[1], fm[1]),
       "the output at the window that gave 5 is Pixel_2 W_trai + Pixel_3 W_phai (torch conv1d's second entry)")
decide(70, np.isclose(10 * 0.5 + 0 * -0.5, 5), "5 = 10 x 0.5 + 0 x (-0.5)")

# ---- dY_pred/dW (lines 72-73): Y_pred sums both windows
decide(72, np.isclose(dYdw[0], 10),
       f"dY_pred/dW_trai = Pixel_1 + Pixel_2 = {dYdw[0]:g} (torch Jacobian): Y_pred = 0 + 5 sums both windows and "
       "W_trai multiplies Pixel_1 = 10 in the first; the post keeps only the window that gave 5 (Pixel_2 = 10)")
decide(73, np.isclose(dYdw[1], 0),
       f"dY_pred/dW_phai = Pixel_2 + Pixel_3 = {dYdw[1]:g} (torch Jacobian): in the first window W_phai multiplies "
       "Pixel_2 = 10; the post keeps only Pixel_3 = 0")

# ---- the gradients (lines 78-83)
decide(78, np.isclose(dLdw[0], -100), f"dL/dW_trai = {dLdw[0]:g} (autograd), not (-10) x 10 = -100")
decide(82, np.isclose(dLdw[1], 0), f"dL/dW_phai = {dLdw[1]:g} (autograd), not (-10) x 0 = 0")
decide(83, np.isclose(dLdw[1], 0),
       f"W_phai does contribute to the loss: dL/dW_phai = {dLdw[1]:g} (autograd), so the step changes it")

# ---- the update (lines 91-98)
wr2, gr2 = rng.normal(size=2), rng.normal(size=2)
p = T(wr2).requires_grad_(True)
p.grad = T(gr2)
torch.optim.SGD([p], lr=eta).step()
decide(91, np.allclose(wr2 - eta * gr2, p.detach().numpy()),
       "W_new = W_old - eta x Gradient, the plain gradient-descent step (torch SGD at random values)")
wt = T(w).requires_grad_(True)
step = torch.optim.SGD([wt], lr=eta)
((F.conv1d(T(x)[None, None], wt[None, None])[0, 0].sum() - target) ** 2).backward()
step.step()
w_new = wt.detach().numpy()
decide(94, np.isclose(w_new[0], 1.5),
       f"one SGD step (eta = 0.01, autograd's gradient) takes W_trai from 0.5 to {w_new[0]:g}, not 1.5 "
       "(the arithmetic 0.5 - 0.01 x (-100) = 1.5 is right for the post's gradient)")
decide(96, np.isclose(w_new[1], -0.5),
       f"one SGD step takes W_phai from -0.5 to {w_new[1]:g}, not -0.5")
decide(98, np.allclose(w_new, [1.5, -0.5]), f"the new filter is {w_new.tolist()}, not [1.5, -0.5]")

# ---- summary (lines 105-107)
decide(105, np.allclose(wr2 - eta * gr2, p.detach().numpy()),
       "W_new = W_old - eta grad Loss, the gradient-descent rule of line 91 (torch SGD at random values)")
unchecked(107, "'if the input X is large and causes the error, W is much to blame; if X = 0, W is innocent': a "
          "heuristic, not a formula; read per weight it fails in this very example (W_phai meets Pixel_3 = 0 in the "
          "second window but Pixel_2 = 10 in the first, dL/dW_phai = -100), read as the whole input X = 0 it holds")

finish()
