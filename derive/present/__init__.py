"""Stage 5, presentation: a derivation and its numbers made into what a template shows.

notation.py (the LaTeX printer and number format), unit_notations.py and layer_notation.py (the
naming schemes), writer.py (equations with symbols and numbers), unit_context.py, layer_context.py,
penalty_context.py and update_steps.py (the template contexts), diagram.py and curve.py (figures).
"""
