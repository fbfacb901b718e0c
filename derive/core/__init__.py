"""Stage 3, the derivation: a spec made into symbols and differentiated.

units.py (the unit graph: every unit's net input and output in SymPy), chain.py (the reverse walk
over units), layers.py (the matrix form), proof.py (the matrix form proven equal to the unit form),
and the general engine that is to replace the dense one (issue 13): graph.py (a graph of tensor
operations), ops.py (each op a row) and walk.py (one reverse walk over it).
"""
