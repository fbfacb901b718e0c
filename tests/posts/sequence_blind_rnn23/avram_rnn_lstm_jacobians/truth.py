"""Independent truth for tests/posts/sequence_blind_rnn23/avram_rnn_lstm_jacobians (NumPy and torch, no derive).

Aaron Avram's writeup 'Vanishing Gradients in Vanilla RNNs' (aaron-avram/NameNet2.0, writeups/vanishing_gradients.tex
at commit bbdab46), from '\\section*{Vanishing Gradients}' to '\\end{document}'. The writeup's networks, column vectors:
the vanilla RNN z^(t) = W h^(t-1) + U x^(t) + b, h^(t) = tanh(z^(t)) (lines 4-5), whose Jacobian J_t of h^(t) with
respect to h^(0) it derives (U, x, b 'discarded', line 9: every vanilla check runs twice, on the full network and on
h^(t) = tanh(W h^(t-1)), and must hold in both), and the LSTM f, g, o = sigma(W_* h^(t-1) + U_* x^(t) + b_*),
c~^(t) = tanh(W h^(t-1) + U x^(t) + b), c^(t) = f^(t) . c^(t-1) + g^(t) . c~^(t), h^(t) = tanh(c^(t)) . o^(t)
(lines 93-108, sigma the logistic function; checked against torch.nn.LSTMCell with bias_hh = 0), run on two random
draws. H = 3 hidden units, 2 inputs, T = 4 steps, random h^(0) (and c^(0)).

References from torch autograd in float64: the Jacobian of h^(t) with respect to h^(0) through the unrolled network,
the one-step Jacobians dh^(t+1)/dh^(t), dh^(t+1)/dz^(t+1), dz^(t+1)/dh^(t), dz^(1)/dh^(0), the Jacobian of the linear
model h^(t) = W^t h^(0), and for the LSTM the partial dc^(t)/dc^(t-1) of line 116's right side (f, g, c~ held, as the
display it follows) and the total Jacobian dc^(t)/dc^(0) through the unrolled cell (h^(0) fixed), all from
torch.autograd.functional.jacobian (numerator layout). Readings: prod_{k=1}^{t} D_k W is the ordered product with k
increasing left to right, D_1 W D_2 W ... D_t W (the printed order); D_k = diag(tanh'(z^(k))); ||.|| the spectral norm;
delta_i, delta_s the smallest and largest ||D_k|| over the steps k = 1..T; in line 18 the index h^(0)_{ij} of the vector
h^(0) is read as h^(0)_j and (J_t) at t = 1 (the base case); in line 19 tanh'(z^(1)) is its i-th entry; nabla of a
vector with respect to a vector is the Jacobian, f^(t) beside it diag(f^(t)), the 'Pi product of elementwise
multiplication' of line 121 diag(prod_k f^(k)). Each Jacobian line is checked at every t = 1..T.
"""
import numpy as np
import torch
from torch.autograd.functional import jacobian
# the shared bookkeeping of the conv corpus (tests/posts/conv/verdicts.py): decide, unchecked and finish
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conv"))
from verdicts import decide, finish, unchecked  # noqa: E402,F401

torch.set_default_dtype(torch.float64)
Tt = lambda a: torch.tensor(a, dtype=torch.float64)
nv = lambda x: x.detach().numpy().copy()
close = lambda a, b: np.shape(a) == np.shape(b) and np.allclose(a, b, atol=1e-12)
nrm = lambda a: np.linalg.norm(a, 2)
rng = np.random.default_rng(2523)
H, DX, T = 3, 2, 4
TS = range(1, T + 1)

# ---------------------------------------------------------------- the vanilla RNN, full and with U, x, b discarded
P = {"W": rng.normal(0, 0.9, (H, H)), "U": rng.normal(0, 0.8, (H, DX)), "b": rng.normal(0, 0.5, H)}
X = {t: rng.normal(0, 1.0, DX) for t in TS}
H0 = rng.normal(0, 0.7, H)
W = P["W"]


def vanilla(full):
    U, b = (P["U"], P["b"]) if full else (np.zeros((H, DX)), np.zeros(H))
    step_z = lambda hp, t: Tt(W) @ hp + Tt(U) @ Tt(X[t]) + Tt(b)
    R = {"z": {}, "h": {0: H0}, "U": U, "b": b}
    for t in TS:
        z = nv(step_z(Tt(R["h"][t - 1]), t))
        R["z"][t], R["h"][t] = z, np.tanh(z)
        assert close(R["h"][t], np.tanh(W @ R["h"][t - 1] + U @ X[t] + b))   # lines 4-5, checked by NumPy

    def unroll(h0, t):
        h = h0
        for k in range(1, t + 1):
            h = torch.tanh(step_z(h, k))
        return h
    R["J"] = {t: nv(jacobian(lambda h0: unroll(h0, t), Tt(H0))) for t in TS}
    R["Jstep"] = {t: nv(jacobian(lambda hp: torch.tanh(step_z(hp, t)), Tt(R["h"][t - 1]))) for t in TS}
    R["Jhz"] = {t: nv(jacobian(torch.tanh, Tt(R["z"][t]))) for t in TS}
    R["Jzh"] = {t: nv(jacobian(lambda hp: step_z(hp, t), Tt(R["h"][t - 1]))) for t in TS}
    R["D"] = {k: np.diag(1 - np.tanh(R["z"][k]) ** 2) for k in TS}
    return R


VAN = [vanilla(True), vanilla(False)]


def holds(check):
    return all(check(R) for R in VAN)


def asc(R, t):
    """prod_{k=1}^{t} D_k W in the printed order: D_1 W D_2 W ... D_t W."""
    M = np.eye(H)
    for k in range(1, t + 1):
        M = M @ R["D"][k] @ W
    return M


def desc(R, t):
    """D_t W ... D_1 W, the order of the chain rule."""
    M = np.eye(H)
    for k in range(1, t + 1):
        M = R["D"][k] @ W @ M
    return M


print(f"   (the descending product D_t W ... D_1 W is J_t: {holds(lambda R: all(close(desc(R, t), R['J'][t]) for t in TS))}; "
      f"the printed order holds at t = 1: {holds(lambda R: close(asc(R, 1), R['J'][1]))})")

# ---------------------------------------------------------------- the forward and the Jacobian J_t
decide(4, holds(lambda R: all(close(R["z"][t], W @ R["h"][t - 1] + R["U"] @ X[t] + R["b"]) for t in TS)),
       "z^(t) = W h^(t-1) + U x^(t) + b, the pre-activation the truth builds (U, b = 0 in the discarded run)")
decide(5, holds(lambda R: all(close(R["h"][t], np.tanh(R["z"][t])) for t in TS)), "h^(t) = tanh(z^(t))")
decide(12, holds(lambda R: all(close(asc(R, t), R["J"][t]) for t in TS)),
       "prod_{k=1}^{t} D_k W in the printed order, D_1 W ... D_t W, is not dh^(t)/dh^(0) for t >= 2: the chain rule "
       "puts the later steps on the left, D_t W ... D_1 W")
decide(15, holds(lambda R: close(R["Jzh"][1], W)), "J(z^(1))(h^(0)) = W")
decide(18, holds(lambda R: all(close(R["Jhz"][1][i, i] * R["Jzh"][1][i, j], R["J"][1][i, j])
                               for i in range(H) for j in range(H))),
       "(J_1)_ij = dh_i/dz_i dz_i/dh^(0)_j (the index ij of h^(0) read as j): h_i depends on z_i only")
decide(19, holds(lambda R: all(close((1 - np.tanh(R["z"][1][i]) ** 2) * W[i, j], R["J"][1][i, j])
                               for i in range(H) for j in range(H))), "tanh'(z_i^(1)) W_ij")
decide(21, holds(lambda R: close(R["D"][1] @ W, R["J"][1])), "J_1 = D_1 W")
decide(29, holds(lambda R: all(close(R["Jhz"][t] @ R["Jzh"][t], R["Jstep"][t]) for t in TS)),
       "J(h^(t+1))(h^(t)) = J(h^(t+1))(z^(t+1)) J(z^(t+1))(h^(t)), the chain rule (checked for every step)")
decide(33, holds(lambda R: all(close(R["D"][t] @ W, R["Jstep"][t]) for t in TS)), "J(h^(t+1))(h^(t)) = D_{t+1} W")
decide(37, holds(lambda R: all(close(asc(R, t), R["J"][t]) for t in range(2, T + 1))),
       "J_{t+1} = prod_{k=1}^{t+1} D_k W in the printed order: the same order as line 12 (t + 1 >= 2), where the step "
       "just found, D_{t+1} W, multiplies J_t from the left")

# ---------------------------------------------------------------- the norms
decide(48, holds(lambda R: all(np.isclose(nrm(asc(R, t)), nrm(R["J"][t])) for t in TS)),
       "||prod_{k=1}^{t} D_k W|| in the printed order is not ||J_t|| for t >= 2 (the product of line 12)")
decide(49, holds(lambda R: all(np.isclose(np.prod([nrm(R["D"][k]) * nrm(W) for k in range(1, t + 1)]), nrm(R["J"][t]))
                               for t in TS)),
       "prod_k ||D_k|| ||W|| is only an upper bound of ||J_t||: the spectral norm is submultiplicative, not "
       "multiplicative (it fails already at t = 1, ||D_1 W|| < ||D_1|| ||W||)")
decide(50, holds(lambda R: all(np.isclose(nrm(W) ** t * np.prod([nrm(R["D"][k]) for k in range(1, t + 1)]),
                                          nrm(R["J"][t])) for t in TS)),
       "||W||^t prod_k ||D_k||, the value of line 49 rearranged, is not ||J_t||")


def bounds(R):
    ds = [nrm(R["D"][k]) for k in TS]
    lo, hi = min(ds), max(ds)
    up = all(nrm(R["J"][t]) <= (hi * nrm(W)) ** t + 1e-12 for t in TS)
    down = all((lo * nrm(W)) ** t <= nrm(R["J"][t]) + 1e-12 for t in TS)
    return up, down


print(f"   (line 51: the upper bound holds {[bounds(R)[0] for R in VAN]}, the lower bound {[bounds(R)[1] for R in VAN]})")
decide(51, holds(lambda R: all(bounds(R))),
       "(delta_i ||W||)^t <= ||J_t|| fails (it rests on the equality of lines 49-50); the upper bound holds")

# ---------------------------------------------------------------- the linear model and the spectral decomposition
decide(59, all(close(nv(jacobian(lambda h0: torch.linalg.matrix_power(Tt(W), t) @ h0, Tt(H0))),
                     np.linalg.matrix_power(W, t)) for t in TS), "h^(t) = W^t h^(0) has the Jacobian J_t = W^t")
A = rng.normal(0, 0.6, (H, H))
WP = A @ A.T + 0.5 * np.eye(H)                      # a positive (symmetric positive definite) W
Vv, C = np.linalg.eigh(WP)
V = np.diag(Vv)
decide(61, all(close(np.linalg.matrix_power(WP, t), np.linalg.matrix_power(C @ V @ C.T, t)) for t in TS),
       "W^t = (C V C^T)^t")
decide(62, all(close(np.linalg.matrix_power(C @ V @ C.T, t), C @ np.linalg.matrix_power(V, t) @ C.T) for t in TS),
       "(C V C^T)^t = C V^t C^T, C orthogonal")

# ---------------------------------------------------------------- the LSTM
sg = lambda a: 1 / (1 + np.exp(-a))


def lstm(seed):
    r = np.random.default_rng(seed)
    Q = {k: r.normal(0, 0.8, (H, H)) for k in ("Wf", "Wg", "Wo", "W")}
    Q.update({k: r.normal(0, 0.8, (H, DX)) for k in ("Uf", "Ug", "Uo", "U")})
    Q.update({k: r.normal(0, 0.5, H) for k in ("bf", "bg", "bo", "b")})
    Xl = {t: r.normal(0, 1.0, DX) for t in TS}
    h0, c0 = r.normal(0, 0.7, H), r.normal(0, 0.7, H)
    Qt = {k: Tt(v) for k, v in Q.items()}

    def gates(hp, t):
        x = Tt(Xl[t])
        f = torch.sigmoid(Qt["Wf"] @ hp + Qt["Uf"] @ x + Qt["bf"])
        g = torch.sigmoid(Qt["Wg"] @ hp + Qt["Ug"] @ x + Qt["bg"])
        o = torch.sigmoid(Qt["Wo"] @ hp + Qt["Uo"] @ x + Qt["bo"])
        ct = torch.tanh(Qt["W"] @ hp + Qt["U"] @ x + Qt["b"])
        return f, g, o, ct

    def unroll(c_0, t):
        h, c = Tt(h0), c_0
        for k in range(1, t + 1):
            f, g, o, ct = gates(h, k)
            c = f * c + g * ct
            h = torch.tanh(c) * o
        return h, c

    R = {"h": {0: h0}, "c": {0: c0}, "f": {}, "g": {}, "o": {}, "ct": {}}
    cell = torch.nn.LSTMCell(DX, H)
    with torch.no_grad():               # torch's gate order i, f, g, o: the writeup's g, f, c~, o
        cell.weight_ih.copy_(Tt(np.vstack([Q["Ug"], Q["Uf"], Q["U"], Q["Uo"]])))
        cell.weight_hh.copy_(Tt(np.vstack([Q["Wg"], Q["Wf"], Q["W"], Q["Wo"]])))
        cell.bias_ih.copy_(Tt(np.concatenate([Q["bg"], Q["bf"], Q["b"], Q["bo"]])))
        cell.bias_hh.zero_()
    for t in TS:
        f, g, o, ct = (nv(a) for a in gates(Tt(R["h"][t - 1]), t))
        R["f"][t], R["g"][t], R["o"][t], R["ct"][t] = f, g, o, ct
        R["c"][t] = f * R["c"][t - 1] + g * ct
        R["h"][t] = np.tanh(R["c"][t]) * o
        hq, cq = cell(Tt(Xl[t])[None], (Tt(R["h"][t - 1])[None], Tt(R["c"][t - 1])[None]))
        assert close(nv(hq[0]), R["h"][t]) and close(nv(cq[0]), R["c"][t])
    R["Q"], R["X"] = Q, Xl
    R["part"] = {t: nv(jacobian(lambda cp: Tt(R["f"][t]) * cp + Tt(R["g"][t]) * Tt(R["ct"][t]), Tt(R["c"][t - 1])))
                 for t in TS}
    R["tot"] = {t: nv(jacobian(lambda c_0: unroll(c_0, t)[1], Tt(c0))) for t in TS}
    return R


LS = [lstm(931), lstm(932)]
lh = lambda check: all(check(R) for R in LS)
pre = lambda R, w, u, b, t: R["Q"][w] @ R["h"][t - 1] + R["Q"][u] @ R["X"][t] + R["Q"][b]
decide(93, lh(lambda R: all(close(R["f"][t], sg(pre(R, "Wf", "Uf", "bf", t))) for t in TS)), "the forget gate")
decide(94, lh(lambda R: all(close(R["g"][t], sg(pre(R, "Wg", "Ug", "bg", t))) for t in TS)),
       "the input gate (torch's i)")
decide(95, lh(lambda R: all(close(R["o"][t], sg(pre(R, "Wo", "Uo", "bo", t))) for t in TS)), "the output gate")
decide(100, lh(lambda R: all(close(R["ct"][t], np.tanh(pre(R, "W", "U", "b", t))) for t in TS)),
       "the candidate c~^(t) (torch's g)")
decide(104, lh(lambda R: all(close(R["c"][t], R["f"][t] * R["c"][t - 1] + R["g"][t] * R["ct"][t]) for t in TS)),
       "c^(t) = f . c^(t-1) + g . c~ (torch's cell state)")
decide(108, lh(lambda R: all(close(R["h"][t], np.tanh(R["c"][t]) * R["o"][t]) for t in TS)),
       "h^(t) = tanh(c^(t)) . o^(t) (torch's hidden state)")
decide(116, lh(lambda R: all(close(R["c"][t], R["f"][t] * R["c"][t - 1] + R["g"][t] * R["ct"][t]) for t in TS)),
       "line 104 restated")
decide(117, lh(lambda R: all(close(R["part"][t], np.diag(R["f"][t])) for t in TS)),
       "the derivative of line 116's right side with respect to c^(t-1) is diag(f^(t))")
print(f"   (line 121 at t = 1, where c^(1) reaches c^(0) only directly: "
      f"{lh(lambda R: close(R['tot'][1], np.diag(R['f'][1])))})")
decide(121, lh(lambda R: all(close(R["tot"][t], np.diag(np.prod([R["f"][k] for k in range(1, t + 1)], axis=0)))
                             for t in TS)),
       "diag(prod_k f^(k)) is not dc^(t)/dc^(0) for t >= 2: the chain rule through the unrolled cell also runs "
       "c^(k-1) -> h^(k-1) = tanh(c^(k-1)) . o^(k-1) -> f^(k), g^(k), c~^(k); the product is the direct path only")
finish()
