"""Independent truth for B2_bramterlouw_matrix_placeholders (pure NumPy, no derive).

Symbolic 3-2-1 network of the README: column layout, no biases, sigmoid hidden and output layers.
  hiddenInputs = WeightsHidden x inputs, hiddenOutputs = sigmoid(hiddenInputs),
  finalInputs = WeightsOutput x hiddenOutputs, finalOutputs = sigmoid(finalInputs),
  outputErrors = targets - finalOutputs.
The README names no loss; its output step (outputErrors * sigmoid'(.)) x hiddenOutputs^T added with
'+=' is gradient descent on E = 1/2 (t - o)^2, so that is the loss taken here. The update rules
W += lr * deltaW are descent steps iff deltaW = -dE/dW. Each formula is checked at random points
against central finite differences of E. sigmoidPrime is read as the author's code defines it
(SigmoidPrime(m) = m (1 - m), applied to the sigmoid's output); the literal reading sigma'(output)
is printed too.
"""
import numpy as np

rng = np.random.default_rng(0)
sig = lambda z: 1 / (1 + np.exp(-z))
prime_of_output = lambda a: a * (1 - a)             # the author's SigmoidPrime (takes the output)
prime_literal = lambda x: sig(x) * (1 - sig(x))     # sigma'(x) read literally from the legend


def E(Wh, Wo, x, t):
    o = sig(Wo @ sig(Wh @ x))
    return 0.5 * float(((t - o) ** 2).sum())


def fd(f, P, eps=1e-6):
    G = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        P[idx] += eps; lp = f(); P[idx] -= 2 * eps; lm = f(); P[idx] += eps
        G[idx] = (lp - lm) / (2 * eps)
    return G


results = {k: [] for k in ("dWo", "dWh_post", "dWh_fixed", "dWo_literal", "dE_dh", "hiddenErrors")}
for trial in range(5):
    x = rng.normal(size=(3, 1)); t = rng.uniform(size=(1, 1))
    Wh = rng.normal(size=(2, 3)); Wo = rng.normal(size=(1, 2))
    hin = Wh @ x; h = sig(hin); oin = Wo @ h; o = sig(oin)           # lines 12, 22, 27, 36
    e = t - o                                                        # line 48
    hiddenErrors = Wo.T @ e                                          # line 54 (as written)
    outputGradient = e * prime_of_output(o)                          # line 59
    dWo = outputGradient @ h.T                                       # line 63
    hiddenGradient = hiddenErrors * prime_of_output(h)               # line 72
    dWh = hiddenGradient @ x.T                                       # line 76
    gWo = fd(lambda: E(Wh, Wo, x, t), Wo)
    gWh = fd(lambda: E(Wh, Wo, x, t), Wh)
    # -dE/dh by finite differences on h (the true 'error in the hidden layer')
    def E_h(hh):
        return 0.5 * float(((t - sig(Wo @ hh)) ** 2).sum())
    hh = h.copy(); gh = fd(lambda: E_h(hh), hh)
    results["dWo"].append(np.allclose(dWo, -gWo, atol=1e-8))
    results["dWh_post"].append(np.allclose(dWh, -gWh, atol=1e-8))
    fixed = ((Wo.T @ outputGradient) * prime_of_output(h)) @ x.T
    results["dWh_fixed"].append(np.allclose(fixed, -gWh, atol=1e-8))
    results["dWo_literal"].append(np.allclose((e * prime_literal(o)) @ h.T, -gWo, atol=1e-8))
    results["hiddenErrors"].append(np.allclose(hiddenErrors, -gh, atol=1e-8))
    results["dE_dh"].append(np.allclose(Wo.T @ outputGradient, -gh, atol=1e-8))
    if trial == 0:
        ratio = dWh / (-gWh)
        print("deltaWeightsHidden / (-dE/dWh) at trial 0:\n", ratio, "\n o(1-o) =", prime_of_output(o).item())

print()
print("line 48 outputErrors = t - o equals -dE/do for E = 1/2 (t-o)^2: ok by definition")
print("line 54 hiddenErrors = Wo^T outputErrors == -dE/dh ?", all(results["hiddenErrors"]), "-> WRONG (missing sigma'(net_o))")
print("        Wo^T (outputErrors * o(1-o)) == -dE/dh ?", all(results["dE_dh"]))
print("line 59/63 deltaWeightsOutput = (e * o(1-o)) h^T == -dE/dWo ?", all(results["dWo"]))
print("        literal legend reading sigma'(o) instead:", all(results["dWo_literal"]))
print("line 67 WeightsOutput += lr * deltaWeightsOutput is a descent step: ok (deltaWeightsOutput = -dE/dWo)")
print("line 72/76 post's deltaWeightsHidden == -dE/dWh ?", all(results["dWh_post"]), "(off by the factor o(1-o): carried from line 54)")
print("        with hiddenErrors = Wo^T outputGradient:", all(results["dWh_fixed"]), "(so lines 72, 76, 80 are right relations)")
