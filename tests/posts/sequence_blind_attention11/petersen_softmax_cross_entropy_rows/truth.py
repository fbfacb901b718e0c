"""Independent truth for tests/posts/sequence_blind_attention11/petersen_softmax_cross_entropy_rows (NumPy and torch,
no derive).

Matt Petersen's 'Softmax with cross-entropy' (mattpetersen.github.io, a Jekyll post): the softmax of a row vector x
(s_i = e^{x_i} / sum_j e^{x_j}), its Jacobian J_x(s) = diag(s) - s^T s (s a row, so s^T s is the n x n outer
product), the cross-entropy H = -y log s^T with a one-hot row y, its gradient -y/s, the error at the softmax input
s - y; then a batch of m rows: S = row-wise softmax of X, the block-diagonal Jacobian J_X(S), the mean cross-entropy
H = -(1/m) Tr(Y log S^T), its gradient -(1/m) Y/S and the batch error (1/m)(S - Y). Everything is checked on five
random single examples (n = 5 classes) and five random batches (m = 4 rows of n = 5 classes; m != n on purpose) in
float64, against torch autograd: torch.softmax, torch.autograd.functional.jacobian, and the gradients of the cross
entropy (torch.nn.functional.cross_entropy for the value). The post's Python functions are run as printed (the
`<pre>` blocks, with numpy as np); a function that fails as printed is wrong. The lines are evaluated as printed;
readings are in truth.toml's notes."""
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402

rng = np.random.default_rng(2017)
T = lambda a: torch.tensor(a, dtype=torch.float64)
close = lambda x, y: np.shape(x) == np.shape(y) and np.allclose(x, y, atol=1e-12, rtol=1e-10)
n, m = 5, 4


def onehot(k, size):
    v = np.zeros(size)
    v[k] = 1.0
    return v


# ---------------- single examples
single = []
for _ in range(5):
    x = rng.normal(size=n) * 1.5
    y = onehot(rng.integers(n), n)
    xt = T(x).requires_grad_()
    s_t = torch.softmax(xt, 0)
    s_t.retain_grad()
    H_t = -(T(y) * torch.log(s_t)).sum()
    H_t.backward()
    J = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), T(x)).numpy()  # J[i, j] = ds_i/dx_j
    Jlog = torch.autograd.functional.jacobian(torch.log, s_t.detach()).numpy()
    c = rng.normal()
    single.append(dict(x=x, y=y, s=s_t.detach().numpy(), H=H_t.item(), ds=s_t.grad.numpy(), dx=xt.grad.numpy(), J=J,
                       Jlog=Jlog, c=c, sc=torch.softmax(T(x + c), 0).numpy(),
                       ce=torch.nn.functional.cross_entropy(T(x)[None], torch.tensor([int(y.argmax())])).item()))
every = lambda f: all(bool(f(**k)) for k in single)

# ---------------- batches
batches = []
for _ in range(5):
    X = rng.normal(size=(m, n)) * 1.5
    Y = np.stack([onehot(rng.integers(n), n) for _ in range(m)])
    Xt = T(X).requires_grad_()
    S_t = torch.softmax(Xt, 1)
    S_t.retain_grad()
    H_t = -(T(Y) * torch.log(S_t)).sum() / m
    H_t.backward()
    JX = torch.autograd.functional.jacobian(lambda V: torch.softmax(V, 1), T(X)).numpy()  # [i, a, j, b]
    Jflat = JX.reshape(m * n, m * n)
    St = S_t.detach()
    Sl = St.clone().requires_grad_()
    tr = torch.trace(T(Y) @ torch.log(Sl).T)
    dtr = torch.autograd.grad(tr, Sl)[0].numpy()
    batches.append(dict(X=X, Y=Y, S=St.numpy(), H=H_t.item(), dS=S_t.grad.numpy(), dX=Xt.grad.numpy(), JX=JX,
                        Jflat=Jflat, dtr=dtr, tr=tr.item(),
                        ce=torch.nn.functional.cross_entropy(T(X), torch.tensor(Y.argmax(1))).item()))
each = lambda f: all(bool(f(**k)) for k in batches)

# ---------------- the post's Python functions, as printed
env = {"np": np}
exec('''
def softmax(x):
    x = x - np.max(x)
    row_sum = np.sum(np.exp(x))
    return np.array([np.exp(x_i) / row_sum for x_i in x])

def jacobian_softmax(s):
    return np.diag(s) - np.outer(s, s)

def cross_entropy(y, s):
    return -np.log(s[np.where(y)])

def gradient_cross_entropy(y, s):
    return -y / s

def error_softmax_input(y, s):
    return s - y

def batch_softmax(x):
    row_maxes = np.max(x, axis=1)
    row_maxes = row_maxes[:, np.newaxis]  # for broadcasting
    x = x - row_maxes
    return np.array([softmax(row) for row in x])

def jacobian_batch_softmax(s):
    return np.array([jacobian_softmax(row) for row in s])

def mean_cross_entropy(y, s):
    return np.mean([cross_entropy(y_row, s_row)
                    for y_row, s_row in zip(y, s)])

def jacobian_mean_cross_entropy(y, s):
    return -(1 / y.shape[0]) * (y / s)

def batch_error_softmax_input(y, s):
    return (1 / y.shape[0]) * (S - Y)
''', env)


def grad_leaf(f, a):
    """d f / d a with a made a float64 leaf."""
    v = T(a).requires_grad_()
    return torch.autograd.grad(f(v), v)[0].numpy()


def runs(f, *args):
    """The printed function's result, or None when it raises as printed."""
    try:
        return f(*args)
    except Exception as e:  # noqa: BLE001
        print(f"   {f.__name__} raises {type(e).__name__}: {e}")
        return None


# ---------------- the softmax (single example)
decide(33, every(lambda x, s, **_: close(np.array([np.exp(x[i]) / np.exp(x).sum() for i in range(n)]), s)),
       "s(x)_i = e^{x_i} / sum e^{x_j} (the sum over every entry j; torch.softmax)")
decide(47, every(lambda x, c, sc, **_: close(np.exp(x + c) / np.exp(x + c).sum(), sc)),
       "s(x + c)_i = e^{x_i + c} / sum e^{x_j + c}")
decide(48, every(lambda x, c, sc, **_: close(np.exp(x) * np.exp(c) / (np.exp(x) * np.exp(c)).sum(), sc)),
       "= e^{x_i} e^c / sum e^{x_j} e^c")
decide(49, every(lambda x, c, sc, s, **_: close(np.exp(x) / np.exp(x).sum(), sc) and close(sc, s)),
       "= e^{x_i} / sum e^{x_j}: softmax(x + c) = softmax(x)")
decide(68, every(lambda x, s, **_: close(env["softmax"](x), s)), "softmax(x) as printed (max subtracted) = torch.softmax")

# ---------------- the Jacobian
decide(93, every(lambda x, J, **_: all(close((np.exp(x).sum() * np.exp(x[i]) - np.exp(x[i]) ** 2)
                                             / np.exp(x).sum() ** 2, J[i, i]) for i in range(n))),
       "ds_i/dx_i = (sum_j e^{x_j} e^{x_i} - e^{x_i} e^{x_i}) / (sum_j e^{x_j})^2 (quotient rule; Jacobian diagonal)")
decide(94, every(lambda s, J, **_: close(s - s ** 2, np.diag(J))), "= s_i - s_i^2")
decide(106, every(lambda x, J, **_: all(close((np.exp(x).sum() * 0 - np.exp(x[i]) * np.exp(x[j]))
                                              / np.exp(x).sum() ** 2, J[i, j])
                                        for i in range(n) for j in range(n) if j != i)),
       "ds_i/dx_j = (sum e^{x} . 0 - e^{x_i} e^{x_j}) / (sum e^{x})^2 for j != i (the sum's j read as running over "
       "every entry)")
decide(107, every(lambda s, J, **_: all(close(-s[i] * s[j], J[i, j]) for i in range(n) for j in range(n) if j != i)),
       "= -s_i s_j")
# rows of the expanded matrix, indexed 0..n as printed (a vector of n + 1 entries s_0 .. s_n)
decide(122, every(lambda s, J, **_: close(J[0, 0], s[0] - s[0] ** 2) and close(J[0, 1], -s[0] * s[1])
                  and close(J[0, n - 1], -s[0] * s[n - 1])),
       "row 0: s_0 - s_0^2, -s_0 s_1, ..., -s_0 s_n (entries 0..n of a vector with n + 1 entries)")
decide(123, every(lambda s, J, **_: close(J[1, 0], -s[1] * s[0]) and close(J[1, 1], s[1] - s[1] ** 2)
                  and close(J[1, n - 1], -s[1] * s[n - 1])), "row 1: -s_1 s_0, s_1 - s_1^2, ..., -s_1 s_n")
decide(125, every(lambda s, J, **_: close(J[n - 1, 0], -s[n - 1] * s[0]) and close(J[n - 1, 1], -s[n - 1] * s[1])
                  and close(J[n - 1, n - 1], s[n - 1] - s[n - 1] ** 2)), "last row: -s_n s_0, -s_n s_1, ..., s_n - s_n^2")
print("   the Jacobian is symmetric (line 118's prose, not claimed):", every(lambda J, **_: close(J, J.T)))
decide(132, every(lambda s, J, **_: close(np.diag(s) - s[:, None] @ s[None, :], J)),
       "J_x(s) = diag(s) - s^T s with s a row (s^T s the n x n outer product)")
decide(147, every(lambda s, **_: env["jacobian_softmax"](s).shape == (len(s), len(s))),
       "jacobian_softmax returns shape (len(s), len(s))")
decide(149, every(lambda s, J, **_: close(env["jacobian_softmax"](s), J)), "np.diag(s) - np.outer(s, s)")

# ---------------- the cross-entropy and its gradient (single example)
decide(184, every(lambda y, s, H, ce, **_: close(-(y * np.log(s)).sum(), H) and close(H, ce)),
       "H(y, s) = -sum_i y_i log s_i (torch's cross_entropy of the logits)")
decide(185, every(lambda y, s, H, **_: close(-(y[None, :] @ np.log(s)[:, None]).item(), H)),
       "= -y log s^T: a row times a column")
decide(210, every(lambda y, s, H, **_: close(env["cross_entropy"](y, s).item(), H)),
       "-np.log(s[np.where(y)]) (a one-element array holding H for a one-hot y)")
decide(226, every(lambda y, s, ds, **_: close(grad_leaf(lambda v: -(T(y)[None, :] @ torch.log(v)[:, None]).sum(), s),
                                             ds)), "grad_s H = -grad_s (y log s^T): autograd of the row form, s a leaf")
decide(227, every(lambda y, Jlog, ds, **_: close(-y @ Jlog, ds)),
       "= -y grad_s log s: the row y times the Jacobian of the elementwise log (autograd)")
decide(228, every(lambda y, s, ds, **_: close(-y @ np.diag(1 / s), ds)), "= -y diag(1/s)")
decide(229, every(lambda y, s, ds, **_: close(-y / s, ds)), "= -y/s (elementwise)")
decide(250, every(lambda y, s, ds, **_: close(env["gradient_cross_entropy"](y, s), ds)), "-y / s")

# ---------------- the error at the softmax input (single example)
decide(261, every(lambda ds, J, dx, **_: close(ds @ J, dx)), "grad_x H = grad_s H J_x(s): a row times the Jacobian")
decide(270, every(lambda y, s, dx, **_: close(-(y / s) @ (np.diag(s) - np.outer(s, s)), dx)),
       "= -(y/s)[diag(s) - s^T s]")
decide(272, every(lambda y, s, dx, **_: close((y / s) @ np.outer(s, s) - (y / s) @ np.diag(s), dx)),
       "= (y/s) s^T s - (y/s) diag(s)")
decide(273, every(lambda y, s, dx, **_: close(y @ np.tile(s, (n, 1)) - y, dx)),
       "= y S^{repeated row} - y, S^{repeated row} the n x n matrix whose every row is s")
decide(274, every(lambda y, s, dx, **_: close(s - y, dx)), "= s - y")
print("   s - y also holds for a y that is any distribution (line 277's prose):",
      all(close((lambda yy: (-(yy / k["s"]) @ k["J"]))(p / p.sum()), k["s"] - p / p.sum())
          for k in single for p in [rng.random(n)]))
decide(295, every(lambda y, s, dx, **_: close(env["error_softmax_input"](y, s), dx)), "s - y")

# ---------------- the batch
decide(332, each(lambda X, S, **_: close(np.stack([np.exp(r) / np.exp(r).sum() for r in X]), S)),
       "S = [s(x_1); ...; s(x_m)], m x n: the softmax of each row")
decide(351, each(lambda X, S, **_: close(env["batch_softmax"](X), S)), "batch_softmax(x) as printed")
decide(366, each(lambda JX, **_: all(np.allclose(JX[i, :, j, :], 0) for i in range(m) for j in range(m) if j != i)),
       "J_{x_j}(s_i) = 0 for j != i")
decide(372, each(lambda S, JX, **_: all(close(np.diag(S[i]) - np.outer(S[i], S[i]), JX[i, :, i, :])
                                        for i in range(m))), "J_{x_i}(s_i) = diag(s_i) - s_i^T s_i")
decide(383, each(lambda S, Jflat, **_: close(np.block([[np.diag(S[i]) - np.outer(S[i], S[i]) if i == j
                                                        else np.zeros((n, n)) for j in range(m)] for i in range(m)]),
                                             Jflat)),
       "J_X(S) = the block-diagonal matrix of the J_{x_i}(s_i) (the Jacobian of the row-major flattening)")
got = env["jacobian_batch_softmax"](batches[0]["S"]).shape
print("   jacobian_batch_softmax returns shape", got, "; the docstring says", (m, m, n, n))
decide(396, each(lambda S, **_: env["jacobian_batch_softmax"](S).shape == (S.shape[0], S.shape[0], S.shape[1],
                                                                           S.shape[1])),
       "':returns: ndarray of shape (s.shape[0], s.shape[0], s.shape[1], s.shape[1])': the function (line 399) "
       "stacks the m diagonal blocks and returns shape (m, n, n), not (m, m, n, n)")
decide(399, each(lambda S, JX, **_: all(close(env["jacobian_batch_softmax"](S)[i], JX[i, :, i, :])
                                        for i in range(m))),
       "np.array([jacobian_softmax(row) for row in s]): the m diagonal blocks (the comment's 'nonzero Jacobians "
       "lying along tensor diagonal')")
decide(424, each(lambda Y, S, H, ce, **_: close(-sum(Y[i] @ np.log(S[i]) for i in range(m)) / m, H)
                 and close(H, ce)), "H(Y, S) = -(1/m) sum_i y_i log s_i^T (torch's mean cross_entropy)")
decide(425, each(lambda Y, S, H, **_: close(-np.trace(Y @ np.log(S).T) / m, H)), "= -(1/m) Tr(Y log S^T)")
decide(449, each(lambda Y, S, H, **_: close(env["mean_cross_entropy"](Y, S), H)), "mean_cross_entropy as printed")

# ---------------- the gradient of the mean cross-entropy
decide(462, each(lambda dtr, dS, **_: close(-dtr / m, dS)),
       "J_S(H) = -J_S((1/m) Tr(Y log S^T)): autograd of the trace form")
decide(464, each(lambda dtr, dS, **_: close(-(1 / m) * dtr, dS)), "= -(1/m) J_S Tr(Y log S^T)")
print("   line 466 read as a matrix product Y (m x n) times J_S log S = 1/S (m x n): defined only when m = n "
      f"(m = {m}, n = {n}); read as the Hadamard product of line 467 it holds:",
      each(lambda Y, S, dS, **_: close(-(1 / m) * Y * (1 / S), dS)))
unchecked(466, "-(1/m) Y J_S log S: the juxtaposition of Y with the Jacobian of the elementwise log has no meaning "
          "fixed by the post until line 467 and line 471's prose (a Hadamard product); as a matrix product it is "
          "undefined for m != n, as the Hadamard product it is line 467")
decide(467, each(lambda Y, S, dS, **_: close(-(1 / m) * Y * (1 / S), dS)), "= -(1/m) Y (.) 1/S")
decide(468, each(lambda Y, S, dS, **_: close(-(1 / m) * Y / S, dS)), "= -(1/m) Y/S (elementwise)")
decide(490, each(lambda S, **_: close(torch.autograd.functional.jacobian(torch.log, T(S.reshape(-1))).numpy(),
                                      np.diag(1 / S.reshape(-1)))),
       "J_s(log s) = diag(1/s) for the flattened s of length m n")
decide(506, each(lambda Y, S, H, **_: close(-(Y.reshape(-1) @ np.log(S.reshape(-1))) / m, H)),
       "H(y, s) = -(1/m) y log s^T with y, s the flattened Y, S")
decide(514, each(lambda Y, S, dS, **_: close(-(1 / m) * Y.reshape(-1) @ torch.autograd.functional.jacobian(
    torch.log, T(S.reshape(-1))).numpy(), dS.reshape(-1))), "J_s(H) = -(1/m) y d(log s)/ds")
decide(516, each(lambda Y, S, dS, **_: close(-(1 / m) * Y.reshape(-1) @ np.diag(1 / S.reshape(-1)), dS.reshape(-1))),
       "= -(1/m) y diag(1/s)")
decide(517, each(lambda Y, S, dS, **_: close(-(1 / m) * Y.reshape(-1) / S.reshape(-1), dS.reshape(-1))),
       "= -(1/m) y/s")
decide(523, each(lambda Y, S, dS, **_: close(-(1 / m) * Y / S, dS)), "J_s(H) = -(1/m) Y/S reshaped to m x n")
decide(545, each(lambda Y, S, dS, **_: close(env["jacobian_mean_cross_entropy"](Y, S), dS)), "-(1/m) * (y / s)")

# ---------------- the error at the softmax input for the batch
decide(562, each(lambda dS, Jflat, dX, **_: close(dS.reshape(-1) @ Jflat, dX.reshape(-1))),
       "J_X(H) = J_S(H) J_X(S): the flattened row gradient times the block-diagonal Jacobian")
decide(564, each(lambda Y, S, Jflat, dX, **_: close((-(1 / m) * Y / S).reshape(-1) @ Jflat, dX.reshape(-1))),
       "= (-(1/m) Y/S) J_X(S)")
decide(570, each(lambda Y, S, Jflat, dX, **_: close((1 / m) * np.concatenate([-Y[i] / S[i] for i in range(m)])
                                                    @ Jflat, dX.reshape(-1))),
       "= (1/m) [-y_1/s_1; ...; -y_m/s_m] J_X(S)")
row = lambda i: (lambda Y, S, dX, **_: close((1 / m) * (-(Y[i] / S[i]) @ (np.diag(S[i]) - np.outer(S[i], S[i]))),
                                             dX[i]))
decide(573, each(row(0)), "row 1 of (1/m)[...]: -(y_1/s_1) J_{x_1}(s_1)")
decide(574, each(row(1)), "row 2: -(y_2/s_2) J_{x_2}(s_2)")
decide(576, each(row(m - 1)), "row m: -(y_m/s_m) J_{x_m}(s_m)")
decide(580, each(lambda Y, S, dX, **_: close((S[0] - Y[0]) / m, dX[0])), "row 1 of (1/m)[...]: s_1 - y_1")
decide(581, each(lambda Y, S, dX, **_: close((S[1] - Y[1]) / m, dX[1])), "row 2: s_2 - y_2")
decide(583, each(lambda Y, S, dX, **_: close((S[m - 1] - Y[m - 1]) / m, dX[m - 1])), "row m: s_m - y_m")
decide(585, each(lambda Y, S, dX, **_: close((S - Y) / m, dX)), "= (1/m)(S - Y)")
decide(607, each(lambda Y, S, dX, **_: (lambda r: r is not None and close(r, dX))(
    runs(env["batch_error_softmax_input"], Y, S))),
       "return (1 / y.shape[0]) * (S - Y): the function's parameters are y and s; S and Y are undefined names "
       "(NameError), where (1 / y.shape[0]) * (s - y) belongs")

finish()
