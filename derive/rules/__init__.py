"""Stage 1, rules as data: what each operation is and how it differentiates, written once.

One module per family: activations.py, losses.py, fusions.py (softmax + CE and sigmoid + BCE give
A - Y), optimizers.py and penalty.py (the L2 penalty); algebra.py (the unevaluated arithmetic the
rows are written in) and kernels.py (their NumPy kernels, lambdified from the rows).
Nothing here knows a network.
"""
