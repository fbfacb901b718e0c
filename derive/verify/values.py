"""What a claim's sides are made of: the scope of one reading, the errors that make a claim
unchecked, and the matrix arithmetic of the layer notation (NumPy's broadcasting, Hadamard)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import sympy as sp
from sympy.matrices.exceptions import ShapeError

from ..core.samples import DerivedSymbols, per_sample
from ..present.layer_notation import layer_names
from .limits import MAX_DIGITS, MAX_EXPONENT
from .model import Model


class Verdict(NamedTuple):
    """A claim's verdict: ok, wrong or unchecked (None: no claim at all), the right figure where one
    is wrong, why, for a chain of links the one found wrong (1 for the first; None otherwise), and a
    name it uses that names nothing."""
    verdict: str | None
    expected: str | None
    reason: str | None
    link: int | None = None
    unknown: str | None = None     # a name the claim uses that names nothing (unchecked for it)
    off_figure: bool = False       # wrong as a figure beyond its printed precision (not as a formula)
    inapplicable: bool = False     # unchecked as it applies an elementwise slope to softmax's layer


class Unreadable(Exception):
    """A part of a claim derive cannot give a meaning to; the claim is listed as unchecked."""


class NotElementwise(Unreadable):
    """An elementwise function (g', sigma') applied to softmax, whose derivative is a Jacobian: a
    layer-generic claim (BP2 for every l) says nothing of such a layer."""


class UnknownName(Unreadable):
    """A name that names nothing in the network or the post."""

    def __init__(self, name: str):
        super().__init__(f"unknown name {name}")
        self.name = name


def unknown_name(exc: Exception) -> str | None:
    return exc.name if isinstance(exc, UnknownName) else None


class PerSample(Unreadable):
    """A per-sample quantity in a batch, without a (sample k) tag."""


@dataclass
class Literal:
    symbol: sp.Symbol
    text: str                # the figure as written (0.2395)
    value: sp.Float
    half_ulp: sp.Float       # half a unit in the last printed digit


@dataclass
class Scope:
    """How to read one claim: its sample (None: the batch as a whole) and what was met on the way."""
    sample: int | None
    literals: dict[sp.Symbol, Literal] = field(default_factory=dict)
    updated: set[int] = field(default_factory=set)      # steps after which some quantity is taken
    after_step_nodes: bool = False                       # a quantity after a step that is no parameter
    uses_log: bool = False
    free: set[sp.Symbol] = field(default_factory=set)  # letters outside the network, like x in σ(x)
    parts: int = 0                                       # syntax nodes given a meaning so far (MAX_PARTS)
    digits: float = 0                                    # digits of the exact numbers met so far (MAX_DIGITS)
    notes: set[str] = field(default_factory=set)         # readings the verdict reports (* as elementwise)
    generic: frozenset = frozenset()                      # letters of an identity: any value, not the network's
    batch_letters: bool = False                          # y beside A^{[2]}: the batch's Y (Ng's course)
    either_way: bool = False                             # a number by a vector: a row or a column, as written


class ShapeMismatch(Unreadable):
    """Matrices whose shapes do not fit: most often a missing transpose."""


class BrokenChain(Unreadable):
    """A chain rule whose factors do not link up: wrong whatever it is set equal to."""


_UPDATES = DerivedSymbols("after")


def updated_symbol(symbol: sp.Symbol, steps: int) -> sp.Symbol:
    """A quantity after some steps of training (w_5^{+}); what it is kept in a table, not in its name."""
    return _UPDATES.make(symbol, steps)


def before_update(symbol) -> tuple[sp.Symbol, int] | None:
    """(the quantity, the steps) of an updated symbol; None for any other."""
    return _UPDATES.origin(symbol)


def power(base: sp.Basic, exponent: sp.Basic, scope: Scope) -> sp.Basic:
    """base ** exponent, refused before it is computed when the exact result would be too long."""
    if isinstance(base, sp.Rational) and exponent.is_number and base not in (0, 1, -1):
        try:
            size = abs(float(exponent.evalf(15))) * math.log10(max(abs(base.p), base.q))
        except (TypeError, ValueError, OverflowError):
            raise Unreadable("an exponent that cannot be evaluated") from None
        exact(scope, size)
    return base ** exponent


def exact(scope: Scope, digits: float) -> None:
    """Count the digits of an exact number the claim brings in (a written integer, an exact power).
    A sum, product or quotient of exact numbers has at most as many digits as they have together,
    so while the count stays under MAX_DIGITS no exact arithmetic in the claim can take long."""
    scope.digits += digits
    if scope.digits > MAX_DIGITS:
        raise Unreadable(f"exact numbers of more than {MAX_DIGITS} digits")


def bounded(exponent: sp.Basic) -> sp.Basic:
    """An exponent that is a plain number must be small, or 9^{9^{9^9}} would hang the evaluation."""
    if exponent.is_number:
        try:
            size = abs(complex(exponent.evalf(15)))
        except (TypeError, ValueError, OverflowError):
            raise Unreadable("an exponent that cannot be evaluated") from None
        if not size <= MAX_EXPONENT:
            raise Unreadable(f"an exponent beyond {MAX_EXPONENT}")
    return exponent


def apply_each(value: sp.Basic, f) -> sp.Basic:
    return value.applyfunc(f) if isinstance(value, sp.MatrixBase) else f(value)


def broadcast(a, b, op):
    """1 - A: a number against a matrix means that number in every entry."""
    if isinstance(a, sp.MatrixBase) and not isinstance(b, sp.MatrixBase):
        return op(a, sp.ImmutableMatrix.ones(*a.shape) * b)
    if isinstance(b, sp.MatrixBase) and not isinstance(a, sp.MatrixBase):
        return op(sp.ImmutableMatrix.ones(*b.shape) * a, b)
    if isinstance(a, sp.MatrixBase) and a.shape != b.shape:       # W X + b: the bias goes to every sample
        a, b = spread_to(a, b.shape), spread_to(b, a.shape)
    return op(a, b)


def spread_to(m: sp.MatrixBase, shape: tuple[int, int]) -> sp.MatrixBase:
    """A column against n×m columns (or a row against rows), repeated as NumPy broadcasts it."""
    rows, cols = shape
    if m.shape == (rows, 1) and cols > 1:
        return m * sp.ImmutableMatrix.ones(1, cols)
    if m.shape == (1, cols) and rows > 1:
        return sp.ImmutableMatrix.ones(rows, 1) * m
    return m


def elementwise(a, b, op):
    if not isinstance(a, sp.MatrixBase) or not isinstance(b, sp.MatrixBase):
        return op(a, b)
    if a.shape != b.shape:
        raise ShapeError(f"elementwise product of {a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]}")
    return sp.ImmutableMatrix(a.shape[0], a.shape[1], lambda i, j: op(a[i, j], b[i, j]))


def layer_entries(model: Model, layered) -> dict[str, sp.ImmutableMatrix]:
    """Matrix names of the layer notation -> explicit matrices of per-sample symbols and parameters."""
    from ..core.proof import Entries
    entries = Entries(model.derivation, layered, model.samples)
    matrices = dict(entries.matrices)
    graph = model.graph
    outputs = graph.outputs
    matrices["a"] = sp.ImmutableMatrix([per_sample(u.out, 0) for u in outputs])
    matrices["y"] = sp.ImmutableMatrix([per_sample(u.target, 0) for u in outputs])
    matrices["dz"] = sp.ImmutableMatrix([per_sample(u.delta, 0) for u in outputs])
    _, of = model.optimizer_names.matrix_names(layered, layer_names(layered))
    for name, parameters in of.items():             # m^{(1)}_{W^{[1]}}: W^{[1]}'s entries' state
        matrices[name] = model.optimizer_names.matrix_entries(name, matrices[parameters])
    return matrices
