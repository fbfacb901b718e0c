"""Stage 2, the spec: TOML or a mapping read and checked into a NetworkSpec.

load.py (reading and every check), model.py (what a checked spec says), checks.py (checks on raw
TOML values), init.py (reproducible initial weights), cost.py (the up-front time estimate) and
presets/ (the shipped specs).
"""
