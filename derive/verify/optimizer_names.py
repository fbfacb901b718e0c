"""The optimizer's own names, for verify: its hyperparameters (\\beta_1 = 0.9), its rule as people
write it for any step (m_t = \\beta_1 m_{t-1} + (1 - \\beta_1) g_t), and each parameter's state and
temporaries after the first step, as derive's documents name them (m^{(1)}_{w_5}, \\hat{m}_{w_5}).

Everything comes from the spec's optimizer row (optimizers.py): the rule is read at a fixed set of
values for the step's inputs (w_{t-1}, g_t, the state before), with t = 1 as the documents show
it; a parameter's values come from its gradient at each point. Plain gradient descent, which has
no state, adds no names: posts write its step as an update (w^+), which verify reads already.
"""

from __future__ import annotations

import sympy as sp

from ..present.layer_notation import layer_names
from ..present.update_steps import slot_name
from ..rules.optimizers import GRADIENT, OPTIMIZERS, PARAMETER, RATE, STEP

# The step's inputs when a claim states the rule for any step: numbers no rule's terms would
# cancel to by chance (the state before is positive: v and s are sums of squares).
GENERIC_PARAMETER, GENERIC_GRADIENT = sp.Rational(3719, 10000), sp.Rational(-6143, 10000)
GENERIC_STATE = (sp.Rational(2297, 10000), sp.Rational(4181, 10000), sp.Rational(1327, 10000))


class OptimizerNames:
    def __init__(self, spec, parameters, eta):
        self.row = OPTIMIZERS[spec.training.optimizer if spec.training else "sgd"]
        self.active = bool(self.row.state)         # plain gradient descent: nothing of its own
        hyper = self.row.hyper(dict(spec.training.hyperparameters) if spec.training else {})
        self.constants: dict[sp.Symbol, sp.Basic] = {h.symbol: sp.nsimplify(hyper[h.name])
                                                     for h in self.row.hyperparameters}
        self.constants[STEP] = sp.S.One
        self.eta = eta
        self.targets = [target for target, _ in self.row.assignments]
        # per parameter, each assignment's target: (target, parameter) -> its own symbol
        self.own = {(target, p): sp.Symbol(f"opt__{target.name}__{p.name}") for p in parameters
                    for target in self.targets if target != PARAMETER}
        self.zero = sp.Symbol("opt__zero")                  # the state before the first step
        self.generic_before = {slot.symbol: sp.Symbol(f"opt__{slot.symbol.name}__before") for slot in self.row.state}
        self.generic_after = {target: sp.Symbol(f"opt__{target.name}__after") for target in self.targets}
        self.generic_inputs = {sp.Symbol("opt__w__before"): GENERIC_PARAMETER, sp.Symbol("opt__g"): GENERIC_GRADIENT}

    @property
    def symbols(self) -> frozenset:
        """Every symbol values() gives a value."""
        if not self.active:
            return frozenset()
        return frozenset(set(self.constants) | set(self.own.values()) | {self.zero} |
                         set(self.generic_before.values()) | set(self.generic_after.values()) |
                         set(self.generic_inputs))

    # -- names ---------------------------------------------------------------------------
    def names(self, parameter_latex: dict) -> dict[str, sp.Basic]:
        """LaTeX name -> symbol: the hyperparameters, the rule's names, and each parameter's own
        (parameter_latex: a parameter symbol -> its LaTeX in the notation)."""
        if not self.active:
            return {}
        found = {h.latex: h.symbol for h in self.row.hyperparameters} | {"t": STEP}
        w_before, g = self.generic_inputs
        found |= {"w_{t-1}": w_before, "g_t": g, "w_t": self.generic_after[PARAMETER]}
        for slot in self.row.slots:
            found[f"{slot.latex}_t"] = self.generic_after[slot.symbol]
            if slot.state:
                found[f"{slot.latex}_{{t-1}}"] = self.generic_before[slot.symbol]
                found[f"{slot.latex}_0"] = self.zero
        for p, latex in parameter_latex.items():
            for slot in self.row.slots:
                found[slot_name(slot, latex)] = self.own[(slot.symbol, p)]
                if slot.state:
                    found[slot_name(slot, latex, before=True)] = self.zero
        return found

    def written(self, printed: dict | None, layered, is_parameter) -> dict[str, sp.Basic]:
        """LaTeX name -> symbol in a notation: a unit notation's (printed: symbol -> its LaTeX), or,
        with printed None, the layer notation's matrices."""
        if printed is not None:
            return self.names({p: latex for p, latex in printed.items() if is_parameter(p)})
        return self.names({}) | (self.matrix_names(layered, layer_names(layered))[0] if layered else {})

    def matrix_names(self, layered, printed: dict) -> tuple[dict[str, sp.Basic], dict[str, str]]:
        """The layer notation's: each parameter matrix's slot as a matrix named after it
        (m^{(1)}_{W^{[1]}}), or a shared bias's as its one symbol. Returns LaTeX name -> symbol,
        and each new matrix's name -> the parameter matrix's (printed: symbol -> its LaTeX)."""
        names, of = {}, {}
        if not self.active:
            return names, of
        for record in layered.layers:
            for matrix in (record.W, record.b):
                if matrix is None:
                    continue
                for slot in self.row.slots:
                    if isinstance(matrix, sp.MatrixSymbol):
                        own = sp.MatrixSymbol(f"opt__{slot.symbol.name}__{matrix.name}", *matrix.shape)
                        of[own.name] = matrix.name
                    else:                                   # a bias shared by the layer: one number
                        own = self.own[(slot.symbol, matrix)]
                    names[slot_name(slot, printed[matrix])] = own
                    if slot.state:
                        names[slot_name(slot, printed[matrix], before=True)] = self.zero
        return names, of

    def matrix_entries(self, name: str, parameters: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
        """The entries of a slot's matrix (named by matrix_names) from its parameter matrix's."""
        slot = next(t for t in self.targets if name.startswith(f"opt__{t.name}__"))
        return parameters.applyfunc(lambda p: self.own[(slot, p)])

    # -- values ----------------------------------------------------------------------------
    def values(self, point: dict, gradient_at) -> dict[sp.Symbol, sp.Basic]:
        """Every optimizer symbol's value at a complete point (gradient_at(p, point): dJ/dp there)."""
        if not self.active:
            return {}
        found = dict(self.constants) | dict(self.generic_inputs) | {self.zero: sp.S.Zero}
        w_before, g = self.generic_inputs
        before = {slot: GENERIC_STATE[k % len(GENERIC_STATE)] for k, slot in enumerate(self.generic_before)}
        found |= {self.generic_before[slot]: value for slot, value in before.items()}
        steps = self._step(GENERIC_PARAMETER, GENERIC_GRADIENT, before, point)
        found |= {self.generic_after[target]: value for target, value in steps.items()}
        for p in {p for _, p in self.own}:
            zero = {slot.symbol: sp.S.Zero for slot in self.row.state}
            steps = self._step(point[p], gradient_at(p, point), zero, point)
            found |= {self.own[(target, p)]: value for target, value in steps.items() if target != PARAMETER}
        return found

    def _step(self, param, grad, before: dict, point: dict) -> dict[sp.Symbol, sp.Basic]:
        """Each assignment's value, in order, from the values before the step."""
        known = {PARAMETER: param, GRADIENT: grad, RATE: point.get(self.eta, self.eta)} | \
            dict(self.constants) | before
        found = {}
        for target, value in self.row.assignments:
            found[target] = known[target] = sp.Float(value.xreplace(known), 30)
        return found
