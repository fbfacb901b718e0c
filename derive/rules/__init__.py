"""Stage 1, rules as data: what each operation is and how it differentiates, written once.

elementwise.py (activations, losses and their fusions), optimizers.py (one row per optimizer),
penalty.py (the L2 penalty) and kernels.py (their NumPy kernels, lambdified from the rows).
Nothing here knows a network.
"""
