"""Independent truth for tests/posts/real/nathansamsel_simple_backprop (pure NumPy, no derive).
Network: x = (0.35, 0.9); top neuron weights (0.1, 0.8), bottom (0.4, 0.6); output weights
(0.3 from top, 0.9 from bottom); no biases; target 0.5; eta = 1; delta = (t - o) o (1 - o),
w_new = w + eta * delta * input (gradient descent on 1/2 (t - o)^2)."""
import numpy as np

sig = lambda z: 1.0 / (1.0 + np.exp(-z))
x = np.array([0.35, 0.9]); t = 0.5; eta = 1.0
W1 = np.array([[0.1, 0.8], [0.4, 0.6]]); W2 = np.array([0.3, 0.9])
net = W1 @ x; h = sig(net)
neto = W2 @ h; o = sig(neto)
d = (t - o) * o * (1 - o)                # post's delta (= -dE/dnet_o)
W2new = W2 + eta * d * h
dh = d * W2 * h * (1 - h)                # hidden deltas with the ORIGINAL output weights
W1new = W1 + eta * np.outer(dh, x)

rows = [
    (16, "input to top = .35*.1+.9*.8", "0.755", net[0], ""),
    (21, "input to bottom = .9*.6+.35*.4", "0.68", net[1], ""),
    (26, "output of top = sig(0.755)", "0.68", h[0], f"sig(0.755)={sig(0.755):.6f}"),
    (31, "output of bottom = sig(0.68)", "0.6637", h[1], ""),
    (36, "input to final = .3*.68+.9*.6637", "0.80133", neto, f"post arith {0.3*0.68+0.9*0.6637:.6f}"),
    (41, "output of final = sig(0.80133)", "0.69", o, f"sig(0.80133)={sig(0.80133):.6f}"),
    (46, "delta = (t-o)(1-o)o", "-0.0406", d, f"from 0.69: {(0.5-0.69)*(1-0.69)*0.69:.6f}"),
    (52, "w1_new (top->final)", "0.272392", W2new[0], f"post arith {0.3-0.0406*0.68:.6f}"),
    (53, "w2_new (bottom->final)", "0.87305", W2new[1], f"post arith {0.9-0.0406*0.6637:.6f}"),
    (59, "delta1 (top)", "-0.0406*0.272392*0.32*0.68", dh[0], f"post expr {-0.0406*0.272392*(1-0.68)*0.68:.6e}; with old w1=0.3: {-0.0406*0.3*(1-0.68)*0.68:.6e}"),
    (60, "delta2 (bottom)", "-0.0406*0.87305*0.3363*0.6637", dh[1], f"post expr {-0.0406*0.87305*(1-0.6637)*0.6637:.6e}; with old w2=0.9: {-0.0406*0.9*(1-0.6637)*0.6637:.6e}"),
    (66, "w3_new (x1->top, 0.1)", "0.09916", W1new[0, 0], f"post arith {0.1-2.406e-3*0.35:.6f}"),
    (67, "w4_new (x2->top, 0.8)", "0.7978", W1new[0, 1], f"as written {0.1-2.406e-3*0.9:.6f}; with 0.8: {0.8-2.406e-3*0.9:.6f}"),
    (68, "w5_new (x1->bottom, 0.4)", "0.3972", W1new[1, 0], f"as written {0.1-7.916e-3*0.35:.6f}; with 0.4: {0.4-7.916e-3*0.35:.6f}"),
    (69, "w6_new (x2->bottom, 0.6)", "0.5928", W1new[1, 1], f"as written {0.1-7.916e-3*0.9:.6f}; with 0.6: {0.6-7.916e-3*0.9:.6f}"),
]
print(f"{'line':>4}  {'quantity':34} {'post':>28}  {'true':>12}  note")
for line, q, post, true, note in rows:
    print(f"{line:>4}  {q:34} {post:>28}  {true:12.6g}  {note}")
