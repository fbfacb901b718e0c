"""A cost written with what it depends on, J(W, b), L(\\hat{y}, y), L_t(ŷ_t, y_t), J^{(t)}(θ): the arguments
say nothing more, so they go; a bare cost of one step's values (E(y_t, ŷ_t)) is that step's cost, E_t."""

from __future__ import annotations

import re

# J(W, b), L(\hat{y}, y), L_t(ŷ_t, y_t), J^{(t)}(θ): the cost written with what it depends on, which says nothing
# more (C only bare: C_t is an LSTM's cell state)
COST_OF = re.compile(r"(?<![A-Za-z\\])((?:J|L|E|\\mathcal\s*\{\s*[LJ]\s*\})(?:\s*[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9]))*|C)"
                     r"\s*\(\s*((?:\\[A-Za-z]+|[A-Za-z0-9_^{}\[\]\s,;])*+)\)(?!\s*\^)")
# y_t, \\hat{y_t}: an argument at step t (or t±1) of a cost written without a step of its own
AT_STEP = re.compile(r"_\s*\{?\s*(t\s*(?:[+-]\s*1)?)(?![A-Za-z0-9])")
# the output or the target, y, ŷ, o: a step's values; a weight at an iteration t (L(V_t), E(θ_t)) is no step's
OUTPUT_OR_TARGET = re.compile(r"\s*(?:\\(?:hat|tilde|bar)\s*\{?\s*)?[yo](?![A-Za-z])")


def cost_of(match: re.Match) -> str:
    """The cost without what it depends on; E(y_t, ŷ_t), a bare cost of one step's values, is that step's E_t."""
    cost, arguments = match.group(1), match.group(2)
    if not re.search(r"[A-Za-z]", arguments) or re.search(r"\\(?:log|ln|exp|sigma|frac)", arguments):
        return match.group(0)
    steps = {re.sub(r"\s", "", found) for found in AT_STEP.findall(arguments)}
    parts = arguments.split(",")
    each_at_step = all(AT_STEP.search(part) and OUTPUT_OR_TARGET.match(part) for part in parts)
    if re.fullmatch(r"[JLE]", cost) and len(steps) == 1 and each_at_step:
        return f"{cost}_{{{steps.pop()}}}"
    return cost
