"""Names a document may use, per notation: the printer's own tables read back, plus the spec's aliases.

A key is the written name with braces and spaces dropped: `w_{5}` and `w_5` are both `w_5`.
Superscripts that modify a name (`+` for the updated value, `(n)` for after n steps, `T` for a
transpose in the layer notation) are split off before the look-up.
"""

from __future__ import annotations

import re

import sympy as sp

from ..core.layers import LayerDerivation
from ..core.matrix_forms import BATCH
from ..errors import DeriveError
from ..present.layer_notation import layer_names
from ..present.unit_notations import ETA, index_names, neuron_names
from .dropout_names import dropout_names
from ..rules import penalty
from . import syntax as s
from .model import Model
from .modifiers import split_modifier
from .reader import ReadError, TooDeep, read
from .see_through import ACCENTS

NOTATIONS = ("neuron", "index", "layer")
KEYED_AT_ONCE = 64          # printed names read in one region


TARGET_WORDS = ("t", "target", "ideal", "desired", "expected")
LABEL_NAMES = ("y", "t", "target", "y_target", "y_true", "y_actual", "text:target")     # one sample's labels
KEYED_FONTS = ("mathcal", "mathbf", "mathbb") + ACCENTS      # \hat{y} is another name than y; \mathbf{W} is W


def key(node: s.Node) -> str | None:
    """The look-up key of a name, or None when the node is not a name."""
    if isinstance(node, s.Sym):
        return f"{node.font}:{node.text}" if node.font in KEYED_FONTS else node.text
    if isinstance(node, s.Scripted) and isinstance(node.base, (s.Sym, s.Func)):
        base = node.base.text if isinstance(node.base, s.Sym) else "\\" + node.base.name
        if isinstance(node.base, s.Sym) and node.base.font in KEYED_FONTS:
            base = f"{node.base.font}:{base}"
        sub = f"_{node.sub.text}" if node.sub else ""
        sup = f"^{node.sup.text}" if node.sup else ""
        return base + sub + sup + "'" * node.primes
    return None


def _keyed(latex: str) -> str:
    """The key of a name as the printer writes it."""
    lines = read(latex)
    found = _line_key(lines[0]) if lines else None
    if found is None:
        raise ReadError(f"{latex!r} is not a name")
    return found


def _line_key(line: s.Line) -> str | None:
    if line.chain is None or not line.chain.sides:
        return None
    node = line.chain.sides[0]
    return key(node.inner if isinstance(node, s.Paren) else node)


def _keyed_all(latexes: list[str]) -> list[str]:
    """The keys of the printer's names, read a table's worth at a time, one name a line (what
    costs in reading a name is the reading, not the name); one by one if the lines do not come
    back one name each."""
    keys = []
    for start in range(0, len(latexes), KEYED_AT_ONCE):
        some = latexes[start:start + KEYED_AT_ONCE]
        try:
            lines = read(" \\\\ ".join(some))
        except ReadError:
            lines = []
        found = [_line_key(line) for line in lines] if len(lines) == len(some) else [None]
        keys += found if None not in found else [_keyed(latex) for latex in some]
    return keys


class Vocabulary:
    """Written names -> the model's generic symbols (or, in the layer notation, matrix names)."""

    def __init__(self, model: Model, notation: str, aliases: dict[str, str], layered: LayerDerivation | None):
        self.model, self.notation = model, notation
        graph = model.graph
        table = {"neuron": neuron_names, "index": index_names}.get(notation)
        self.names: dict[str, sp.Basic] = {}
        self.foreign: set[str] = set()      # names borrowed from another notation: not used to guess one
        if table is not None:
            printed = table(graph)
            self.names.update(zip(_keyed_all(list(printed.values())), printed))
            if notation == "index":                 # Nielsen's a^0_k is the input x_k
                for k, unit in enumerate(graph.inputs, 1):
                    self.names.setdefault(f"a_{k}^0", unit.out)
            for written, symbol in _layer_table(graph, layered).items():   # posts mix in W^{[1]}, X
                if isinstance(symbol, sp.MatrixSymbol) and written not in self.names:
                    self.names[written] = symbol
                    self.foreign.add(written)
        else:
            self.names.update(_layer_table(graph, layered))
            self.foreign.update(LAYER_WORDS)        # a, y, \delta: every notation's words, no vote for this one
            entries = {x: latex for x, latex in index_names(graph).items() if model.is_parameter(x)}
            for symbol, written in zip(entries, _keyed_all(list(entries.values()))):   # as its picture labels them
                if written not in self.names:
                    self.names[written] = symbol
                    self.foreign.add(written)
        self.names["\\eta"] = ETA
        self.names.update({_keyed(latex): x for latex, x in dropout_names(graph).items()})   # p: dropout's
        if model.l2:                # the penalty's strength, and the penalised cost J of derive's documents
            self.names.update({"\\lambda": penalty.LAMBDA, "J": COST_NAME})
        # the optimizer's names, before the course shorthands: RMSProp's \\alpha is its own, not the rate
        printed = table(graph) if table is not None else None
        for latex, symbol in model.optimizer_names.written(printed, layered, model.is_parameter).items():
            self.names.setdefault(_keyed(latex), symbol)
        by_name = {str(x): x for x in self._all_symbols()}
        self.examples = sorted(by_name)[:6]
        self.unresolved: dict[str, str] = {}
        self.expressions: dict[str, s.Node] = {}     # aliases to a formula, read (never evaluated)
        self._course_shorthands(len(graph.layers), notation)
        for written, meant in aliases.items():
            try:
                written_key = _keyed(written)
            except ReadError as exc:
                raise DeriveError(f"aliases: {written!r} is not a name derive can read ({exc.message}); "
                                  "expected a LaTeX name such as h_{out1}") from None
            target = by_name.get(meant)
            if target is None:      # a LaTeX name: this notation's, or the symbol it spells (net_{h1})
                try:
                    meant_key = _keyed(meant)
                    target = self.names.get(meant_key) or by_name.get(meant_key)
                except ReadError:
                    target = None
            if target is None:          # a formula the post abbreviates: W' for dE/dW
                formula = _formula(written, meant)
                if formula is not None:
                    self.expressions[written_key] = formula
                    continue
            if target is None:          # perhaps another notation's name
                self.unresolved[written] = meant
                continue
            self.names[written_key] = target
            if is_layer_name(target) != (notation == "layer"):
                self.foreign.add(written_key)
            else:
                self.foreign.discard(written_key)

    def _all_symbols(self):
        graph = self.model.graph
        yield graph.total
        yield from graph.unit_errors
        yield from graph.parameters
        for unit in graph.inputs:
            yield unit.out
        for layer in graph.layers:
            for unit in layer.units:
                yield from (x for x in (unit.out, unit.net, unit.delta, unit.target) if x is not None)

    def _course_shorthands(self, depth: int, notation: str) -> None:
        """Ng's course writes dW^{[l]} for dJ/dW^{[l]}, db^{[l]} for dJ/db^{[l]}, dZ^{[l]} for the
        layer's delta (of the summed loss) and dA^{[l]} for dL/dA^{[l]}."""
        # one sample: x is the input vector, \hat{y} the output (a matrix of one column or row), and the
        # loss goes by any of its usual letters (with a batch they differ: the sum, or the mean)
        singles = ({"x": "X", "hat:y": f"A^[{depth}]", "hat:Y": f"A^[{depth}]"} |
                   {label: "Y" for label in LABEL_NAMES} if self.model.samples == 1 and notation == "layer" else {})
        self._shorthand("\\alpha", ETA)           # the learning rate, as Ng's course and many posts write it
        if self.model.one_sample:
            for letter in ("L", "E", "C", "\\ell", "l", "Loss", "loss", "mathcal:E", "mathcal:L"):
                if letter not in self.names:
                    self.names[letter] = self.model.graph.total
                    self.foreign.add(letter)
        if notation != "layer":           # t_1, t_{o1}: the targets, as most posts name them
            outputs = self.model.graph.outputs
            for k, unit in enumerate(outputs, 1):
                for word in TARGET_WORDS:          # t_1, target_{o1}, ideal_{o1}: a target, by a word
                    for short in (f"{word}_{k}", f"{word}_{unit.name}"):
                        self._shorthand(short, unit.target)
                if notation == "neuron":          # \hat{y}_k is the k-th output; y_k, as labels go, its target
                    self._shorthand(f"y_{k}", unit.target)
                    self._shorthand(f"hat:y_{k}", unit.out)
            biases = [b.symbol for layer in self.model.graph.layers for b in layer.biases]
            if len(biases) == 1:                  # b: the network's one bias
                self._shorthand("b", biases[0])
            if len(outputs) == 1 and self.model.one_sample:     # y and \hat{y}: target and output
                for short in LABEL_NAMES:
                    self._shorthand(short, outputs[0].target)
                self._shorthand("hat:y", outputs[0].out)
        for short, full in singles.items():
            if short not in self.names and full in self.names:
                self.names[short] = self.names[full]
                self.foreign.add(short)
        for l in range(1, depth + 1):
            delta = self.names.get(f"\\delta^[{l}]")
            if delta is not None and f"dZ^[{l}]" not in self.names:
                self.names[f"dZ^[{l}]"] = delta
                if notation != "layer":
                    self.foreign.add(f"dZ^[{l}]")
            for short, meant in ((f"dW^[{l}]", rf"\frac{{\partial J}}{{\partial W^{{[{l}]}}}}"),
                                 (f"db^[{l}]", rf"\frac{{\partial J}}{{\partial b^{{[{l}]}}}}"),
                                 (f"dA^[{l}]", rf"\frac{{\partial \mathcal{{L}}}}{{\partial A^{{[{l}]}}}}")):
                formula = _formula(short, meant)
                if formula is not None and short not in self.names:
                    self.expressions.setdefault(short, formula)

    def _shorthand(self, short: str, symbol: sp.Basic) -> None:
        if short not in self.names:
            self.names[short] = symbol
            self.foreign.add(short)

    def lookup(self, name: str) -> sp.Basic | None:
        found = self.names.get(name)
        if found is None and name:
            canonical = layer_spelling(name, self.notation == "layer")
            found = self.names.get(canonical) if canonical else None
        if found is None and "_" in name:           # E_{o1} for a unit the spec calls O1
            found = self._folded().get(_fold(name))
        if found is None and "\\text" in name:     # y_{\text{true}}: the subscript's word, as y_{true}
            found = self.names.get(_TEXT_WORD.sub(r"\1", name))
        if found is None and _entry_in_brackets(name) is not None:
            found = self.names.get(_entry_in_brackets(name))
        if found is None and self.notation == "index" and _PARENTHESIZED_LAYER.fullmatch(name):
            found = self.names.get(_PARENTHESIZED_LAYER.sub(r"\1_\2^\3", name))   # \delta_1^{(1)}: \delta^1_1
        if found is None and _GLUED.fullmatch(name):
            found = self._glued().get(name.replace("_", ""))
        return found

    def unit_call(self, item: s.Node, after: s.Node | None) -> str | None:
        """z(h1), net(o1): a letter the notation does not know, applied to a unit's name, is that
        unit's quantity, as plain-text posts write it: the key z_h1. f(z), a(1 - a) are not."""
        if not (isinstance(item, s.Sym) and not item.font and item.text.isalpha() and item.text not in CALLED
                and isinstance(after, s.Paren) and after.kind == "(" and self.lookup(item.text) is None):
            return None
        inner = after.inner
        if isinstance(inner, s.Juxt) and len(inner.items) == 2 and isinstance(inner.items[1], s.Num):
            inner = s.Scripted(inner.items[0], s.Script(inner.items[1].text, inner.items[1]), None)   # h1
        written = key(inner) if isinstance(inner, (s.Sym, s.Scripted)) else None
        unit = written.replace("_", "") if written is not None else None
        return f"{item.text}_{unit}" if unit in self._unit_names() else None

    def _unit_names(self) -> set[str]:
        graph = self.model.graph
        return {u.name for u in graph.inputs} | {u.name for layer in graph.layers for u in layer.units}

    def _glued(self) -> dict[str, sp.Basic]:
        """Names of a unit written with its unit glued on, as plain-text posts write them: bh1 for
        b_{h1}, outo1 for out_{o1} (each unit name the spec gives, after any letter of the notation)."""
        if getattr(self, "_glued_names", None) is None or self._glued_size != len(self.names):
            units = self._unit_names()
            self._glued_names = {}
            for written, symbol in self.names.items():
                letter, _, unit = written.partition("_")
                if unit in units and letter.isalpha():
                    self._glued_names.setdefault(letter + unit, symbol)
            self._glued_size = len(self.names)
        return self._glued_names

    def _folded(self) -> dict[str, sp.Basic]:
        """Names whose subscript differs only in case, where that still names one thing."""
        if getattr(self, "_folded_names", None) is None or self._folded_size != len(self.names):
            folded: dict[str, set] = {}
            for written, symbol in self.names.items():
                if "_" in written:
                    folded.setdefault(_fold(written), set()).add(symbol)
            self._folded_names = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}
            self._folded_size = len(self.names)
        return self._folded_names

    def with_bindings(self, bound: dict[str, str]) -> "Vocabulary":
        """A copy that also knows a document's own names (written key -> this notation's LaTeX)."""
        if not bound:
            return self
        copy = object.__new__(Vocabulary)
        copy.__dict__.update(self.__dict__)
        copy.names, copy.expressions, copy.foreign = dict(self.names), dict(self.expressions), set(self.foreign)
        for written, meant in bound.items():
            try:
                target = self.names.get(_keyed(meant))
            except ReadError:                   # a formula, such as -\delta_{o1}
                target = None
            if target is not None:
                copy.names[written] = target
                glued = _layer_subscript(written) if self.notation == "layer" else None
                if glued is not None and self.lookup(glued) is None:
                    copy.names.setdefault(glued, target)     # h^{(1)} bound: the post's h1 is it too
            else:
                formula = _formula(written, meant) or (_after_step_name(meant) if "'" not in written else None)
                if formula is not None:
                    copy.expressions[written] = formula
        return copy

    def with_names(self, names: dict[str, sp.Basic]) -> "Vocabulary":
        """A copy in which these keys name these symbols (a sum's words for one output unit)."""
        copy = object.__new__(Vocabulary)
        copy.__dict__.update(self.__dict__)
        copy.names = {**self.names, **names}
        copy._folded_names = None
        return copy

    def native(self, name: str) -> bool:
        """A name this notation writes itself (or an alias to one): what guessing the notation counts."""
        return name in self.names and name not in self.foreign


_PARENTHESIZED_LAYER = re.compile(r"(.+?)_(\w+)\^\((\d+)\)")
CALLED = {"f", "g", "e", "exp", "log", "ln", "max", "min"}     # letters a post calls as functions
_GLUED = re.compile(r"[A-Za-z]+_?[A-Za-z]*\d*")     # bh_1 (as the reader splits bh1), outo1, bo
_TEXT_WORD = re.compile(r"\\(?:text|textrm|mathrm)\{([A-Za-z0-9]+)\}")
_BRACKETED_ENTRY = re.compile(r"^([wb])_([0-9]+)\^\[([0-9]+)\]$")


def _entry_in_brackets(name: str) -> str | None:
    """w^{[2]}_{11} -> w^{2}_{11}: one weight (or bias) with its layer in Ng's brackets, as the
    index notation names it."""
    match = _BRACKETED_ENTRY.match(name)
    return f"{match.group(1)}_{match.group(2)}^{match.group(3)}" if match else None


def _fold(name: str) -> str:
    base, _, rest = name.partition("_")
    return f"{base}_{rest.lower()}"


# A layer's index as courses write it: W^{(1)}, z^{(2)}, W^1, W_1, a^{[1]} all name layer 1's matrix;
# lowercase z, a, w name the same matrices where the index marks a layer (Ng writes z^{[1]} per sample)
_LAYER_INDEX = re.compile(r"^(\\delta|[A-Za-z]{1,2})(?:\^(\(?)(\d+)\)?|\^\{?\[(\d+)\]\}?|_(\d+))(T?)$")
_MATRIX_LETTERS = {"z": "Z", "a": "A", "w": "W", "Z": "Z", "A": "A", "W": "W", "b": "b", "\\delta": "\\delta",
                   "X": "X", "Y": "Y", "dZ": "dZ", "dW": "dW", "db": "db", "dA": "dA"}


_LAYER_SUPERSCRIPT = re.compile(r"^(\\[a-z]+|[A-Za-z]{1,2})\^(?:\((\d+)\)|\[(\d+)\])$")


def _layer_subscript(name: str) -> str | None:
    """h^(1) -> h_1: a layer's index as a subscript (or glued on, h1), as programs print the name."""
    match = _LAYER_SUPERSCRIPT.match(name)
    return f"{match.group(1)}_{match.group(2) or match.group(3)}" if match else None


def layer_spelling(name: str, small_letters: bool = False) -> str | None:
    """W^(1), W^1, W_1, z^(2) -> W^[1], Z^[2]. A bare index only on a capital (w_1 is a weight and
    b^2 the index notation's bias of layer 2), but for a post in the layer notation: its a_2,
    \\delta_1 and b_1 are layers' (`small_letters`)."""
    match = _LAYER_INDEX.match(name)
    if match is None:
        return None
    letter, opened, paren, bracket, sub, transposed = match.groups()
    if (sub is not None or (paren is not None and not opened)) and not letter[:1].isupper() \
            and not (small_letters and letter in ("a", "z", "b", "\\delta", "w" if sub is None else "")):
        return None                                         # w_1 stays a weight; Nielsen's w^2 is a layer's
    canonical = _MATRIX_LETTERS.get(letter)
    if canonical is None:
        return None
    return f"{canonical}^[{paren or bracket or sub}]{transposed}"


def _formula(written: str, latex: str) -> s.Node | None:
    """An alias's target that is a formula rather than a name, as the reader reads it."""
    try:
        lines = [line for line in read(latex) if line.chain is not None]
    except TooDeep as exc:      # not "names nothing": say what is wrong with it
        raise DeriveError(f"aliases: {written!r}: {exc.message}; expected a name or a short formula") from None
    except ReadError:
        return None
    if len(lines) != 1 or len(lines[0].chain.sides) != 1 or key(lines[0].chain.sides[0]) is not None:
        return None
    return lines[0].chain.sides[0]


def _after_step_name(latex: str) -> s.Node | None:
    """{w_{1}}^{+}: a name after the step, which a post's w_{new} may be bound to."""
    try:
        lines = [line for line in read(latex) if line.chain is not None]
    except ReadError:
        return None
    node = lines[0].chain.sides[0] if len(lines) == 1 and len(lines[0].chain.sides) == 1 else None
    return node if isinstance(node, s.Scripted) and split_modifier(node)[1] == "updated" else None


def is_layer_name(found) -> bool:
    """A matrix of the layer notation (W^{[1]}, A^{[2]}, ...) or one of its words (J, a, y)."""
    return isinstance(found, (sp.MatrixSymbol, str))


LAYER_WORDS = {"a", "y", "\\delta", "J", "mathcal:L"}


def _layer_table(graph, layered: LayerDerivation) -> dict[str, sp.Basic]:
    names: dict[str, sp.Basic] = {}
    printed = {symbol: latex for symbol, latex in layer_names(layered).items()
               if not latex.startswith("\\frac") and symbol != BATCH}
    names.update(zip(_keyed_all(list(printed.values())), printed))
    names.update({"mathcal:L": graph.total, "J": COST_NAME, "a": "a", "y": "y", "\\delta": "dz",
                  "A^[0]": layered.X})
    return names


COST_NAME = "J"
