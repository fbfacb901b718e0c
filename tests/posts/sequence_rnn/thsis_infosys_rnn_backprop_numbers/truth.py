"""Independent truth for tests/posts/sequence_rnn/thsis_infosys_rnn_backprop_numbers (NumPy and torch, no derive).

The notebook's RNN: h_1 = tanh(W x_1), h_t = tanh(W x_t + U h_{t-1}) for t = 2, 3, y_hat = w . h_3, with W = (2, 1),
U = [[1, 2], [3, 4]], w = (2, 4), x = (0.2, 0.3, 0.4), y = 7. The notebook names no loss; loss = (y - y_hat)^2 / 2
is used (any c (y - y_hat)^2 with c > 0 gives a positive multiple of y_hat - y, so the sign verdicts do not depend
on c). References: torch autograd (float64) for dloss/dW, dloss/dU and the step Jacobians. The markdown formulas
are evaluated with the true partial Jacobians; the code lines are run as printed."""
import numpy as np
import torch
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish  # noqa: E402

W = np.array([2.0, 1.0]); U = np.array([[1.0, 2.0], [3.0, 4.0]]); w = np.array([2.0, 4.0])
x = np.array([0.2, 0.3, 0.4]); y = 7.0; eta = 0.001
T = lambda a: torch.tensor(a, dtype=torch.float64)


def forward(Wv, Uv, h1_fixed=None, h2_fixed=None):
    h1 = torch.tanh(Wv * x[0])
    h2 = torch.tanh(Wv * x[1] + Uv @ (h1 if h1_fixed is None else h1_fixed))
    h3 = torch.tanh(Wv * x[2] + Uv @ (h2 if h2_fixed is None else h2_fixed))
    return h1, h2, h3


Wt, Ut = T(W).requires_grad_(), T(U).requires_grad_()
h1t, h2t, h3t = forward(Wt, Ut)
yht = T(w) @ h3t
loss = 0.5 * (y - yht) ** 2
loss.backward()
gW, gU = Wt.grad.numpy(), Ut.grad.numpy()                     # the true gradients
h1, h2, h3, yh = h1t.detach().numpy(), h2t.detach().numpy(), h3t.detach().numpy(), yht.item()
dl_dyh = yh - y                                                # dloss/dy_hat for (y - y_hat)^2 / 2
g1, g2, g3 = 1 - h1 ** 2, 1 - h2 ** 2, 1 - h3 ** 2
# true partial Jacobians (each with the other inputs held fixed), from autograd
J32 = torch.autograd.functional.jacobian(lambda h: torch.tanh(T(W) * x[2] + T(U) @ h), T(h2)).numpy()
J21 = torch.autograd.functional.jacobian(lambda h: torch.tanh(T(W) * x[1] + T(U) @ h), T(h1)).numpy()
J1W = torch.autograd.functional.jacobian(lambda v: torch.tanh(v * x[0]), T(W)).numpy()
J2U = torch.autograd.functional.jacobian(lambda u: torch.tanh(T(W) * x[1] + u @ T(h1)), T(U)).numpy()   # (2, 2, 2)
J3U = torch.autograd.functional.jacobian(lambda u: torch.tanh(T(W) * x[2] + u @ T(h2)), T(U)).numpy()
J3W = torch.autograd.functional.jacobian(lambda v: torch.tanh(v * x[2] + T(U) @ T(h2)), T(W)).numpy()
J2W = torch.autograd.functional.jacobian(lambda v: torch.tanh(v * x[1] + T(U) @ T(h1)), T(W)).numpy()

decide(24, np.allclose(h1, [0.37994896, 0.19737532], atol=5e-9, rtol=0), f"h1 = tanh(W x_1) = {h1}")
decide(32, np.allclose(h2, [0.87975882, 0.97711011], atol=5e-9, rtol=0), f"h2 = {h2}")
decide(40, np.allclose(h3, [0.9986059, 0.99999815], atol=5e-9, rtol=0), f"h3 = {h3}")
decide(48, np.isclose(yh, 5.99720442000804, atol=1e-13), f"y_hat = w . h3 = {yh!r}")
z0 = 0.37
decide(57, np.isclose(1 - np.tanh(z0) ** 2, (np.tanh(z0 + 1e-6) - np.tanh(z0 - 1e-6)) / 2e-6), "tanh' = 1 - tanh^2")
chain61 = dl_dyh * w @ J32 @ J21 @ J1W
three_paths = dl_dyh * w @ (J3W + J32 @ (J2W + J21 @ J1W))
print(f"   (the three paths of the shared W: {three_paths} = autograd {gW}: {np.allclose(three_paths, gW)})")
decide(61, np.allclose(chain61, gW), f"the single path through h1 gives {chain61}, autograd dloss/dW = {gW}: W is used at all "
       "three steps and the terms dh3/dW (direct) and dh3/dh2 dh2/dW (direct) are missing")
decide(66, np.isclose(y - yh, dl_dyh), f"y - y_hat = {y - yh:.6f}, dloss/dy_hat = y_hat - y = {dl_dyh:.6f}: the sign is flipped")
ok67 = all(np.allclose(np.diag(gp) @ U, J) for gp, J in ((g3, J32), (g2, J21)))
decide(67, ok67, "dh_t/dh_{t-1} = diag(g'(W x_t + U h_{t-1})) U against autograd, for t = 3 and 2")
decide(68, np.allclose(np.diag(g1 * x[0]), J1W), "dh1/dW = diag(g'(W x_1) x_1) (h_0 = 0)")
chain73 = dl_dyh * np.einsum("i,ij,jkl->kl", w, J32, J2U)
two_paths = dl_dyh * np.einsum("i,ikl->kl", w, J3U + np.einsum("ij,jkl->ikl", J32, J2U))
print(f"   (both uses of U: {np.allclose(two_paths, gU)})")
decide(73, np.allclose(chain73, gU), "only the path through h2: U is also used at step 3 and dh3/dU (h2 fixed) is missing; "
       f"chain = {chain73.round(6).tolist()}, autograd = {gU.round(6).tolist()}")
decide(77, np.allclose(np.einsum("i,ik,l->ikl", g2, np.eye(2), h1), J2U),
       "dh2_i/dU_kl = g'_i delta_ik h1_l, the outer product g'(W x_2 + U h_1) h_1^T, against autograd (h1 held fixed)")
dldy_ = y - yh
decide(81, np.isclose(dldy_, dl_dyh), "the code repeats y - y_hat (line 66's sign)")
decide(82, np.allclose(w, torch.autograd.functional.jacobian(lambda h: T(w) @ h, T(h3)).numpy()), "dy_hat/dh3 = w")
dtanh = lambda a: 1 - np.tanh(a) ** 2
dh3dh2 = dtanh(W.dot(x[2]) + U.dot(h2)).dot(U)
dh2dh1 = dtanh(W.dot(x[1]) + U.dot(h1)).dot(U)
dh1dW = dtanh(W.dot(x[0])) * x[0]
dh2dU = dtanh(W.dot(x[1]) + U.dot(h1)).dot(h1)
decide(83, dh3dh2.shape == J32.shape and np.allclose(dh3dh2, J32), f"g'^T U = {dh3dh2} is the column sums of the 2x2 "
       "Jacobian diag(g')U (1^T J), not dh3/dh2")
decide(84, dh2dh1.shape == J21.shape and np.allclose(dh2dh1, J21), "the same contraction: 1^T (diag(g')U), not dh2/dh1")
decide(85, np.allclose(dh1dW, np.diag(J1W)) and np.allclose(J1W, np.diag(np.diag(J1W))),
       "dh1/dW is diagonal; the vector g'(W x_1) x_1 is its diagonal")
decide(86, np.ndim(dh2dU) == 3 and np.allclose(dh2dU, J2U), f"g' . h1 = {float(dh2dU):.6f} is a scalar; dh2/dU is the "
       "(2, 2, 2) array g'_i delta_ik h1_l")
dlossdW = dldy_ * w * dh3dh2 * dh2dh1 * dh1dW
dlossdU = dldy_ * w * dh3dh2 * dh2dU
decide(90, np.allclose(dlossdW, gW), f"code dlossdW = {dlossdW}, autograd {gW} (line 61's single path with line 66's sign "
       "and lines 83-84's contracted factors, multiplied element by element)")
decide(91, np.shape(dlossdU) == gU.shape and np.allclose(dlossdU, gU), f"code dlossdU = {dlossdU} (a 2-vector), autograd "
       f"{gU.round(6).tolist()}")
print(f"   (the printed gradients are what the code computes: {np.allclose(dlossdW, [0.00034735, 0.00272708], atol=5e-9, rtol=0)}, "
      f"{np.allclose(dlossdU, [0.00053191, 0.00212484], atol=5e-9, rtol=0)})")
decide(98, np.allclose([0.00034735, 0.00272708], gW, atol=5e-9, rtol=0), f"printed dlossdW; the true gradient is {gW}")
decide(105, np.allclose([0.00053191, 0.00212484], gU, atol=5e-9, rtol=0), f"printed dlossdU; the true gradient is {gU.round(8).tolist()}")
# the descent rule itself: a small step against the true gradient lowers the loss
lossf = lambda Wv, Uv: 0.5 * (y - w @ forward(T(Wv), T(Uv))[2].numpy()) ** 2
decide(112, lossf(W - eta * gW, U) < lossf(W, U), "W <- W - eta dloss/dW lowers the loss (gradient descent)")
decide(113, lossf(W, U - eta * gU) < lossf(W, U), "U <- U - eta dloss/dU lowers the loss")
Wnew, Unew = W - eta * gW, U - eta * gU
print(f"   (the printed W, U are W - eta * code gradient: {np.allclose(W - eta * dlossdW, [1.99999965, 0.99999727], atol=5e-9, rtol=0)})")
decide(120, np.allclose([1.99999965, 0.99999727], Wnew, atol=5e-9, rtol=0), f"a step with the true gradient gives W = {Wnew}")
decide(127, np.allclose([0.99999947, 1.99999788], Unew[0], atol=5e-9, rtol=0), f"a step with the true gradient gives U[0] = {Unew[0]}")
decide(128, np.allclose([2.99999947, 3.99999788], Unew[1], atol=5e-9, rtol=0), f"a step with the true gradient gives U[1] = {Unew[1]}")

finish()
