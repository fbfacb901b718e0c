"""Stage 3, the derivation: a spec made into symbols and differentiated.

graph.py (the spec lowered to a graph of tensor operations), ops/ (one row per op: its rule at
every level), walk.py (the one reverse walk over the graph, and its numeric level), unit_level.py
(the walk over units, whose records chain.py holds: the neuron and index notations), matrix_level.py
and layers.py (the walk over matrix symbols: the layer notation and the generated code),
index_level.py (the walk over Indexed entries: the δ-recursion with indices),
matrix_forms.py (the rule rows in matrix form), pending.py (a term kept whole through elementwise
ops), units.py (the unit graph: every unit's net input and output in SymPy), partials.py (any node's
derivative by any other) and proof.py (the matrix form proven equal to the unit form).
"""
