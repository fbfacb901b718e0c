"""Independent truth for B1_schiendorfer_worked_backprop (pure NumPy, no derive).

2-2-2 network, sigmoid hidden and output units, NO biases, row layout (H_in = X W, Y_in = H V with
W[i, j] = w_{i+1, j+1} from input i to hidden unit j, V[i, j] = v_{i+1, j+1} from hidden unit i to output j),
first training instance x = (3, 1), t = (1, 0), loss L = (y1 - t1)^2 + (y2 - t2)^2 (sum of squared errors,
no 1/2). Prints every figure the post's printouts state against an independent computation, and checks
the formulas (the LaTeX displays and the code lines) against central finite differences.
"""
import numpy as np

sig = lambda z: 1 / (1 + np.exp(-z))
x = np.array([3.0, 1.0]); t = np.array([1.0, 0.0])
W = np.array([[6.0, -3.0], [-2.0, 5.0]])      # [[w11, w12], [w21, w22]]
V = np.array([[1.0, -2.0], [0.25, 2.0]])      # [[v11, v12], [v21, v22]]


def loss(W, V):
    y = sig(sig(x @ W) @ V)
    return float(((y - t) ** 2).sum())


def fd(f, P, eps=1e-6):
    G = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        P[idx] += eps; lp = f(); P[idx] -= 2 * eps; lm = f(); P[idx] += eps
        G[idx] = (lp - lm) / (2 * eps)
    return G


h_in = x @ W; h = sig(h_in); y_in = h @ V; y = sig(y_in)
e = y - t
grad_y = 2 * e
grad_y_in = y * (1 - y) * grad_y
grad_V = np.outer(h, grad_y_in)          # dL/dv_{ij} = dL/dy_j^in * h_i
grad_h = V @ grad_y_in                   # dL/dh_i = sum_j dL/dy_j^in v_{ij}
grad_h_in = h * (1 - h) * grad_h
grad_W = np.outer(x, grad_h_in)

# formulas against finite differences
assert np.allclose(grad_V, fd(lambda: loss(W, V), V), rtol=1e-6, atol=1e-10)
assert np.allclose(grad_W, fd(lambda: loss(W, V), W), rtol=1e-4, atol=1e-9)
def L_of_h(hh): return float(((sig(hh @ V) - t) ** 2).sum())
hh = h.copy(); assert np.allclose(grad_h, fd(lambda: L_of_h(hh), hh), atol=1e-8)
def L_of_yin(yy): return float(((sig(yy) - t) ** 2).sum())
yy = y_in.copy(); assert np.allclose(grad_y_in, fd(lambda: L_of_yin(yy), yy), atol=1e-8)
def L_of_y(yo): return float(((yo - t) ** 2).sum())
yo = y.copy(); assert np.allclose(grad_y, fd(lambda: L_of_y(yo), yo), atol=1e-8)
# sigma'(z) = sigma(z)(1 - sigma(z)) at random z
z = np.random.default_rng(1).normal(size=5)
assert np.allclose((sig(z + 1e-6) - sig(z - 1e-6)) / 2e-6, sig(z) * (1 - sig(z)), atol=1e-9)
print("formulas: dL/dy1 = 2 e1, sigma' identity, dL/dv_ij = dL/dy_j^in h_i, dL/dh_i = sum_j dL/dy_j^in v_ij,")
print("          the code's grad_y_in, grad_v, grad_h lines: all agree with finite differences")
print()

rows = [
    (30, "e1, e2 = y - t", "-0.2680582866305111 0.12303185591001443", e),
    (35, "grad_y1_out, grad_y2_out = 2 e", "-0.5361165732610222 0.24606371182002887", grad_y),
    (47, "grad_y1_in, grad_y2_in", "-0.10518770232556676 0.026549048699963138", grad_y_in),
    (54, "grad_v21, grad_v22", "-0.0018919280994576303 0.0004775167642113309", grad_V[1]),
    (59, "grad_v11, grad_v12", "-0.10518769048825163 0.02654904571226164", grad_V[0]),
    (66, "grad_h1_out, grad_h2_out", "-0.15828579972549303 0.026801171818534586", grad_h),
]
np.set_printoptions(precision=17)
print(f"{'line':>4}  {'quantity':32} verdict  post / true")
for line, q, post, true in rows:
    p = np.array([float(s) for s in post.split()])
    ok = np.allclose(p, true, rtol=1e-12, atol=0)
    print(f"{line:>4}  {q:32} {'ok' if ok else 'WRONG':7}  {post}\n{'':45}{true}")
print()
print("forward: h_in", h_in, "h", h, "y_in", y_in, "y", y, "L", loss(W, V))
print("grad_W (not in the excerpt)", grad_W)
