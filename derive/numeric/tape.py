"""The one reverse walk (core/walk.py), recorded once as a program over slots and replayed for every
set of numbers: a document's forward and backward, and each training step.

Recording runs the walk at a level whose values are slots: each VJP it asks for becomes an
instruction that calls the op row's NumPy kernel (core/ops/) on the slots it reads, and each node
with several consumers gets an instruction that sums their terms. Only the inputs that lead to a
parameter ask for a term (`needs`), as PyTorch's grad_input_mask.

The adjoints of the per-sample nodes are those of the summed errors, dE_s/dnode, as the documents
print them (δ); a parameter's term takes the mean's 1/m where it sums over the samples, so the
parameters' adjoints are the cost's gradients.

The kernels are the rows of ops.OPS, or of another table: ops.TENSOR_OPS, for a graph of typed
layers (conv, pooling, normalization).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Callable, Mapping

import numpy as np

from ..core.graph import Application, Kind, Node, TensorGraph
from ..core.ops import OPS, Op
from ..core.ops.dense import shared_bias_cancels
from ..core.walk import Term, fusion, reverse


@dataclass(frozen=True)
class Slots:
    """Where the replay keeps each node's value and adjoint."""
    value: dict[Node, int]
    adjoint: dict[Node, int]
    error_adjoint: dict[Node, int]     # a parameter's gradient from the error alone (without L2)


class Tape:
    """The forward program (one step per application, in the graph's order) and the backward
    program (the walk's VJPs and gathers, from the loss back), over one list of slots."""

    def __init__(self, graph: TensorGraph, per_sample: float, rows: Mapping[str, Op] = OPS,
                 every_adjoint: bool = False, wanted: frozenset[Node] | None = None):
        """`every_adjoint`: the inputs' adjoints too, and every node's after them (verify reads a pool's).
        `wanted`: the parameters whose adjoints are asked for (None: all), as training asks for those it updates."""
        self.graph, self.rows = graph, rows
        self.size = len(graph.nodes)
        self.seed = self._new_slot()
        value = {node: i for i, node in enumerate(graph.nodes)}
        self.forward_program = tuple(self._forward_step(a, value) for a in graph.applications)
        recorder = _Recorder(self, graph, value, per_sample, every_adjoint, wanted)
        walk = reverse(graph, recorder)
        error = {node: recorder.summed([t for t in walk.terms[node] if t.application.op != "l2"])
                 for node in graph.of_kind(Kind.PARAMETER) if node in walk.terms}
        self.backward_program = tuple(recorder.program)
        self.slots = Slots(value, dict(walk.adjoints), error)

    def _new_slot(self) -> int:
        self.size += 1
        return self.size - 1

    def _forward_step(self, application: Application, value: dict[Node, int]):
        attributes = dict(application.attributes)
        found = fusion(self.graph, application)
        extra = ()
        if found is not None:       # the loss after its activation reads that activation's net input
            attributes["activation"], extra = found.attribute("function"), (value[found.inputs[0]],)
        return _writing(self.rows[application.op].numeric.forward(**attributes),
                        getter(tuple(value[node] for node in application.inputs)), extra, value[application.output])

    def run(self, given: dict[Node, np.ndarray]) -> list:
        """Every slot's value: the forward, then the backward."""
        return self.replay(self.filled(given))

    def filled(self, given: dict[Node, np.ndarray]) -> list:
        """The slots before a replay, with these nodes' values given."""
        v = self.blank()
        for node, array in given.items():
            v[self.slots.value[node]] = array
        return v

    def blank(self) -> list:
        """The slots before a replay: the seed alone given."""
        v = [None] * self.size
        v[self.seed] = 1.0
        return v

    def replay(self, v: list) -> list:
        """The forward, then the backward, on slots whose inputs, targets and parameters are given."""
        for step in self.forward_program:
            step(v)
        for step in self.backward_program:
            step(v)
        return v


def getter(slots: tuple[int, ...]) -> Callable[[list], tuple]:
    """The values at these slots, as a tuple (itemgetter gives one slot's value bare)."""
    if len(slots) == 1:
        slot = slots[0]
        return lambda v: (v[slot],)
    return itemgetter(*slots)


def _writing(kernel: Callable, read: Callable, extra: tuple[int, ...], write: int):
    """A step: the kernel on the values read (and one or two extra slots' values), written to one slot."""
    if not extra:
        def step(v):
            v[write] = kernel(read(v))
    elif len(extra) == 1:
        first, = extra

        def step(v):
            v[write] = kernel(read(v), v[first])
    else:
        first, second = extra

        def step(v):
            v[write] = kernel(read(v), v[first], v[second])
    return step


def _writing_terms(kernel: Callable, read: Callable, out: int, upstream: int, writes: tuple[int | None, ...]):
    """A VJP's step: the kernel on the inputs' values, the output's and the upstream adjoint, each
    term it gives written to its slot (one or two, as a dense VJP gives, without a loop)."""
    pairs = tuple((k, slot) for k, slot in enumerate(writes) if slot is not None)
    if len(pairs) == 1:
        (k, slot), = pairs

        def step(v):
            v[slot] = kernel(read(v), v[out], v[upstream])[k]
    elif len(pairs) == 2:
        (k, slot), (k2, slot2) = pairs

        def step(v):
            found = kernel(read(v), v[out], v[upstream])
            v[slot], v[slot2] = found[k], found[k2]
    else:
        def step(v):
            found = kernel(read(v), v[out], v[upstream])
            for k, slot in pairs:
                v[slot] = found[k]
    return step


class _Recorder:
    """The walk's level that records: its values are slots, its VJPs instructions."""

    def __init__(self, tape: Tape, graph: TensorGraph, value: dict[Node, int], per_sample: float,
                 every_adjoint: bool = False, wanted: frozenset[Node] | None = None):
        self.tape, self.graph, self.value, self.per_sample = tape, graph, value, per_sample
        self.program: list = []
        self.seed = tape.seed
        self.requires = _requiring(graph, every_adjoint, wanted)

    def summed(self, terms: list[Term]) -> int | None:
        if not terms:
            return None
        if len(terms) == 1:
            return terms[0].value
        slots, total = tuple(t.value for t in terms), self.tape._new_slot()

        def add(v):
            found = v[slots[0]]
            for slot in slots[1:]:              # in the consumers' order, as the walk's numeric level adds
                found = found + v[slot]
            v[total] = found
        self.program.append(add)
        return total

    def gather(self, node: Node, terms: tuple[Term, ...]) -> int:
        return self.summed(list(terms))

    def vjp(self, application: Application, upstream: int) -> tuple:
        needs = tuple(node in self.requires for node in application.inputs)
        if application.op == "dense" and shared_bias_cancels(self.graph, application):
            needs = needs[:2] + (False,)        # its gradient is 0 exactly: no term
        if not any(needs):
            return (None,) * len(needs)
        writes = tuple(self.tape._new_slot() if need else None for need in needs)
        kernel = self.tape.rows[application.op].numeric.vjp(needs=needs, per_sample=self.per_sample,
                                                 **dict(application.attributes))
        read, out = getter(tuple(self.value[node] for node in application.inputs)), self.value[application.output]
        self.program.append(_writing_terms(kernel, read, out, upstream, writes))
        return writes

    def fused(self, loss: Application, activation: Application, upstream: int) -> int:
        kernel = self.tape.rows[loss.op].numeric.fused(activation=activation.attribute("function"),
                                            per_sample=self.per_sample, **dict(loss.attributes))
        write = self.tape._new_slot()
        self.program.append(_writing(kernel, getter(tuple(self.value[node] for node in loss.inputs)),
                                     (self.value[activation.inputs[0]], upstream), write))
        return write


def _requiring(graph: TensorGraph, every: bool = False, wanted: frozenset[Node] | None = None) -> set[Node]:
    """The nodes a wanted parameter's value flows into (and those parameters): those whose adjoint matters."""
    parameters = set(graph.of_kind(Kind.PARAMETER)) if wanted is None else set(wanted)
    found = parameters | (set(graph.of_kind(Kind.INPUT)) if every else set())
    for application in graph.applications:
        if any(node in found for node in application.inputs):
            found.add(application.output)
    return found
