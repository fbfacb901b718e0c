"""The general engine (issue 13), built beside the dense one until it replaces it: a graph of
tensor operations (graph.py), each op a row of one table (ops.py), and one reverse walk over it
(walk.py)."""
