"""A sequence post's formula, worked out with NumPy on the world's numbers under one convention.

A convention fixes each ambiguity the formula meets: what W means, whether `*` between two matrices
of one shape multiplies them or their entries, whether vectors are rows, which of a name's readings is
meant. The evaluator records each ambiguity it meets (`consulted`) so that the judge can try every
choice. Products follow the operands' shapes where they decide: a matrix times a vector is a matrix
product, two vectors of one shape multiply entry by entry, a column times a row is their outer
product.
"""

from __future__ import annotations

import re

import numpy as np

from .. import syntax as s
from ..typed.evaluate import is_loss
from .code_forms import TRANSPOSES, CodeForms, method
from .entries import Entries
from .functions import FUNCTIONS, slope
from .indices import kronecker
from .names import PostNames, derivative_parts, key_of, macro_key, size_of
from .unfit import Unfit
from .quantities import World

MAX_DEPTH = 40


ROW_SUMS = ("row_sum", "rowsum", "rowSum", "sum")


class Evaluator(Entries, CodeForms):
    def __init__(self, world: World, post: PostNames, convention: dict[str, object],
                 indices: dict[str, int] | None = None):
        self.world, self.post, self.convention = world, post, convention
        self.consulted: dict[str, tuple] = {}
        self.depth = 0
        self.indices = dict(indices or {})
        self.step_term = False               # dW += …: a gradient read as the step's own term
        self.read: set[str] = set()          # the world's keys read
        self.letter_sizes = {}

    def pick(self, family: str, options: tuple):
        self.consulted.setdefault(family, options)
        return self.convention.get(family, options[0])

    # -- names --------------------------------------------------------------------------------
    def named(self, node: s.Node):
        """A name's value, or None where the node is no name of the world's or the post's."""
        key = key_of(node, self.world.kind, self.pick, self.post.aliases) if kronecker(node) is None else None
        if key is not None:
            return self._world(key)
        if size_of(node) is not None and "d_k" in self.world.sizes:
            return float(self.world.sizes["d_k"])
        entry = self.entry_named(node, self.named)
        if entry is not None:
            return entry
        macro = self.post.macros.get(macro_key(node))
        if macro is not None:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise Unfit("a name defined through itself")
            try:
                return self.value(macro)
            finally:
                self.depth -= 1
        return None

    def _world(self, key: str) -> np.ndarray:
        if key.endswith("~"):
            return self._step_loss(key[:-1])
        total = key.endswith("!") and self.post.through_time     # ∂L/∂W: every step's term, in a post over time
        key, step = self._step(key.rstrip("!"))
        gradient = key.startswith("d:")
        bare = key[2:] if gradient else key
        if "|" in bare:                                 # W_f over [h; x] or [x; h]: the two blocks side by side
            weights, order = bare.split("|")
            gate = weights.split(":")[1]
            blocks = [self._world(("d:" if gradient else "") + (f"U:{gate}" if side == "h" else f"W:{gate}") +
                                  ("!" if total else "")) for side in order]
            return np.hstack(blocks)
        self.read.add(key)
        found = self._readings(key, step)
        if total:
            found = found[-1:]
        elif self.step_term and gradient and len(found) > 1:
            found = found[:1]
        value = found[self.pick(f"reading:{key}", tuple(range(len(found))))] if len(found) > 1 else found[0]
        return self._finished(bare, value, gradient)

    def _finished(self, bare: str, value: np.ndarray, gradient: bool) -> np.ndarray:
        if gradient and self.world.steps and "T" in self.world.sizes and \
                self.pick("loss", ("mean", "sum")) == "sum":
            value = value * self.world.sizes["T"]       # L = Σ_t L_t, where derive's is their mean
        return self._oriented(bare, value)

    def _step_loss(self, key: str) -> np.ndarray:
        """The gradient of the step's own term of the loss: its read-out's (the logits', ŷ's, this step's
        term of V and b_y), and the state's term from the read-out alone (all of dh but what later steps send)."""
        key, step = self._step(key)
        if step != self.world.at:                       # ∂J_3/∂p_3: step 3's own loss, at step 3
            if not 0 <= step < len(self.world.steps):
                raise Unfit("a step outside the sequence")
            held, self.world.at = self.world.at, step
            try:
                return self._step_loss(key)
            finally:
                self.world.at = held
        world = self.world
        if key in ("d:logit", "d:yhat", "d:V:", "d:b:y"):
            own = world.lookup(key)[0]                  # V's and b_y's: this step's term, their first reading
        elif key == "d:h" and world.lookup("d:logit"):
            own = world.lookup("d:h")[0] - world.lookup("d:h>")[0]
        else:
            raise Unfit(f"{key} of one step's loss")
        self.read.add(key)
        # one step's cross-entropy itself: derive's loss is the steps' mean, so its gradients carry 1/T
        return self._oriented(key[2:], own * world.sizes["T"])

    def _step(self, key: str) -> tuple[str, int]:
        """h@-1 -> (h, the step before the one in view); h#3 -> (h, step 3 as the post counts)."""
        at = self.world.at
        if "@" in key:
            key, offset = key.rsplit("@", 1)
            return key, at + int(offset)
        if "#" in key:
            key, number = key.rsplit("#", 1)
            return key, int(number) - self.pick("first step", (1, 0))
        return key, at

    def _readings(self, key: str, step: int) -> list[np.ndarray]:
        world = self.world
        if world.steps and step >= len(world.steps):
            raise Unfit(f"step {step + 1} of {len(world.steps)}")
        if world.steps and step < 0:                    # before the first step: h_0 = c_0 = 0
            found = world.lookup(key, 0)
            if not found:
                raise Unfit(f"{key} is not in this network")
            return [np.zeros_like(found[0])]
        found = list(world.lookup(key, step) or [])
        if key in ("d:h", "d:c") and step == world.at - 1:    # dh_{t-1}: this step's term into it, or all of it
            found = list(world.lookup(key + "<", world.at) or []) + found
        if key in ("d:h>", "d:c>"):             # dh_next, after the step: what it carries back to the step before
            found = found + list(world.lookup(key[:-1] + "<", world.at) or [])
        if not found:
            raise Unfit(f"{key} is not in this network")
        return found

    def _oriented(self, bare: str, value: np.ndarray) -> np.ndarray:
        """Transposed where the convention writes rows (x W), not columns (W x)."""
        if value.ndim == 2 and self.world.kind != "attention" and self.pick("layout", ("columns", "rows")) == "rows":
            value = value.T
        if self.world.kind == "attention" and bare.startswith("W:"):
            value = value.T if self.pick("weights", ("right", "left")) == "right" else value    # X W_q, or W_q x
        return value

    # -- the tree -----------------------------------------------------------------------------
    def value(self, node: s.Node):
        found = self.named(node)
        if found is not None:
            return found
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unfit(f"{type(node).__name__} is not read here")
        return method(node)

    def _Sym(self, node: s.Sym):
        return self._letters(node, None)

    def _letters(self, node: s.Sym, scripted: s.Scripted | None):
        """QK, XW_q: capitals run together, each its own name (the scripts are the last one's)."""
        text = node.text
        if node.font or len(text) < 2 or not text.isalpha() or not text.isupper():
            raise Unfit(f"the name {text}")
        last = s.Sym(text[-1]) if scripted is None else s.Scripted(s.Sym(text[-1]), scripted.sub, scripted.sup)
        result = None
        for item in [s.Sym(letter) for letter in text[:-1]] + [last]:
            found = self.value(item)
            result = found if result is None else self.product(result, found)
        return result

    def _Num(self, node: s.Num):
        return float(node.text)

    def _Paren(self, node: s.Paren):
        if node.kind == "<":
            raise Unfit("a time step alone")
        return self.value(node.inner)

    def _Neg(self, node: s.Neg):
        return -self.value(node.arg)

    def _Sqrt(self, node: s.Sqrt):
        return np.sqrt(self.value(node.arg))

    def _Frac(self, node: s.Frac):
        parts = derivative_parts(node)
        if parts is not None and parts[0] is not None and not is_loss(parts[0]):
            return self.derivative(parts[0], parts[1])
        return _divide(self.value(node.num), self.value(node.den))

    def _BinOp(self, node: s.BinOp):
        if node.op == "*" and node.left == s.Sym("np"):
            return self.value(node.right)                 # np.dot(...), np.tanh(...): NumPy's functions
        if node.op == "*" and method(node.right, "dot") is not None:
            return _matmul(self.value(node.left), self.value(method(node.right, "dot")))     # a.dot(b)
        left, right = self.value(node.left), self.value(node.right)
        if node.op in ("+", "-"):
            return _add(left, right, 1.0 if node.op == "+" else -1.0)
        if node.op == "/":
            return _divide(left, right)
        if node.op == "odot":
            return _entrywise(left, right)
        if node.op == "@":
            return _matmul(left, right)
        if node.op == "*":
            return self.product(left, right)
        raise Unfit(f"the operator {node.op}")

    def product(self, left, right):
        if np.ndim(left) == 0 or np.ndim(right) == 0:
            return left * right
        if left.shape == right.shape:
            square = left.ndim == 2 and left.shape[0] == left.shape[1] and left.shape[0] > 1
            if square and self.pick("product", ("entries", "matrices")) == "matrices":
                return left @ right
            return left * right
        if left.ndim == 2 and right.ndim == 2 and left.shape[1] == right.shape[0]:
            return left @ right
        return _entrywise(left, right)

    def _Juxt(self, node: s.Juxt):
        items = list(node.items)
        result, k = None, 0
        while k < len(items):
            item = items[k]
            applied = self._applied(item, items[k + 1] if k + 1 < len(items) else None)
            if applied is None and k + 1 < len(items):
                applied = self._at_step(item, items[k + 1])
            if applied is None and isinstance(item, s.Sym) and item.text == "d" and k + 1 < len(items):
                applied = self.named(s.Juxt((item, items[k + 1])))          # W^T d Γ: d Γ one name
            if applied is not None:
                found, k = applied, k + 2
            else:
                found, k = self.value(item), k + 1
            result = found if result is None else self.product(result, found)
        return result

    def _applied(self, function: s.Node, argument: s.Node | None):
        """f(z), f'(z), f(z)^2 (the square of f(z)), concat([...]); None if `function` is no function."""
        power = None
        if argument is None:
            return None
        if isinstance(argument, s.Scripted) and isinstance(argument.base, s.Paren) and argument.sub is None and \
                argument.sup is not None and argument.sup.text.isdigit():
            argument, power = argument.base, int(argument.sup.text)
        if not isinstance(argument, (s.Paren, s.Args)) or (isinstance(argument, s.Paren) and argument.kind == "<"):
            return None
        if isinstance(function, s.Scripted) and function.sub is None and not function.primes and \
                function.sup is not None and function.sup.text.isdigit() and power is None:
            function, power = function.base, int(function.sup.text)        # tanh^2(z): (tanh z)^2
        name, primes = _function_name(function)
        if name is None:
            return None
        if name == "dot":
            items = _listed(argument)
            if len(items) != 2:
                raise Unfit("dot of two arrays")
            found = _matmul(self.value(items[0]), self.value(items[1]))
        elif name == "copy":
            found = self.value(argument)
        elif name in ("concat", "vstack", "hstack", "outer"):
            items = _listed(argument)
            values = [self.value(item) for item in items]
            if name == "outer":
                if len(values) != 2:
                    raise Unfit("outer of two vectors")
                found = np.outer(values[0], values[1])
            else:
                found = np.vstack(values) if name != "hstack" else np.hstack(values)
        elif name in ROW_SUMS:
            items = _listed(argument) if isinstance(argument, s.Args) else [argument.inner]
            if len(items) == 2 and isinstance(items[1], s.Num) and items[1].text.isdigit():
                found = np.sum(self.value(items[0]), axis=int(items[1].text), keepdims=True)  # np.sum(x, axis=0)
            elif len(items) == 1:
                found = np.sum(self.value(items[0]), axis=-1, keepdims=True)     # row_sum(x)
            else:
                raise Unfit(f"{name} of {len(items)} arguments")
        elif primes:
            inner = self.value(argument)
            try:
                found = slope(name, inner, self.pick("slope", ("argument", "output")) == "output")
            except KeyError:
                raise Unfit(f"the derivative of {name}") from None
            if primes > 1:
                raise Unfit(f"the second derivative of {name}")
        else:
            found = FUNCTIONS[name](self.value(argument))
        return found if power is None else found ** power

    def _Func(self, node: s.Func):
        raise Unfit(f"{node.name} without its argument")

    def _Scripted(self, node: s.Scripted):
        sup = node.sup.text if node.sup else ""
        if node.base == s.Sym("e") and node.sub is None and node.sup is not None and node.sup.node is not None:
            return np.exp(self.value(node.sup.node))      # e^{S_{ij}}
        if isinstance(node.base, s.Sym) and len(node.base.text) > 1 and node.base.text.isupper() and not node.primes:
            return self._letters(node.base, node)          # QK^T: Q times K^T
        power = _number(sup)
        if node.primes or not (sup in TRANSPOSES or power is not None):
            raise Unfit("a scripted name this network does not have")
        base = self.value(s.Scripted(node.base, node.sub, None) if node.sub is not None else node.base)
        if sup in TRANSPOSES:
            return np.transpose(base)
        return base ** power

    def _Matrix(self, node: s.Matrix):
        rows = [[self.value(item) for item in row] for row in node.rows]
        if node.listed:
            return np.vstack([_column(v) for row in rows for v in row])
        if all(len(row) == 1 for row in rows):            # [h_{t-1}; x_t]: vectors stacked
            return np.vstack([_column(row[0]) for row in rows])
        raise Unfit("a matrix written out")

    def _BigSum(self, node: s.BigSum):
        letter = node.sub.text if node.sub else ""
        if re.match(r"^t(=[01])?$", letter) and self.world.steps:
            return self._over_time(node.body)
        summed = self.index_sum(letter, node.body) if node.sup is None else None
        if summed is not None:
            return summed
        if letter not in ("j", "k", "s") or node.sup is not None:
            raise Unfit(f"a sum over {letter}")
        body = self.value(node.body)
        if np.ndim(body) < 2:
            raise Unfit("a sum of a scalar")
        return np.sum(body, axis=-1, keepdims=True)        # Σ_j over a row's keys


    def _over_time(self, body: s.Node):
        """Σ_t: the body at every step, summed."""
        held, total = self.world.at, 0.0
        try:
            for step in range(len(self.world.steps)):
                self.world.at = step
                total = _add(total, self.value(body), 1.0) if np.ndim(total) else total + self.value(body)
        finally:
            self.world.at = held
        return total


def _number(text: str) -> float | None:
    """A power as written: 2, -1, 0.5, -3/2."""
    text = text.strip("{}")
    try:
        if "/" in text:
            top, bottom = text.split("/")
            return float(top) / float(bottom)
        return float(text)
    except ValueError:
        return None


def _function_name(node: s.Node) -> tuple[str | None, int]:
    primes = 0
    if isinstance(node, s.Scripted) and node.sub is None and node.sup is None:
        node, primes = node.base, node.primes
    if isinstance(node, s.Func):
        return node.name, primes
    if isinstance(node, s.Sym) and (node.text in FUNCTIONS or node.text in ROW_SUMS or
                                    node.text in ("concat", "vstack", "hstack", "outer", "dot", "copy")):
        return node.text, primes
    return None, 0


def _listed(argument: s.Node) -> list[s.Node]:
    if isinstance(argument, s.Args):
        return list(argument.items)
    inner = argument.inner
    if isinstance(inner, s.Matrix) and inner.listed:
        return [item for row in inner.rows for item in row]
    raise Unfit("a list")


def _column(value):
    value = np.asarray(value, dtype=float)
    return value.reshape(-1, 1) if value.ndim < 2 else value


def _fits(left, right) -> bool:
    if np.ndim(left) == 0 or np.ndim(right) == 0:
        return True
    try:
        shape = np.broadcast_shapes(left.shape, right.shape)
    except ValueError:
        return False
    return shape in (left.shape, right.shape)


def _add(left, right, sign: float):
    if not _fits(left, right):
        raise Unfit("a sum of different shapes")
    return left + sign * right


def _entrywise(left, right):
    if not _fits(left, right):
        raise Unfit("an entrywise product of different shapes")
    return left * right


def _divide(left, right):
    if not _fits(left, right):
        raise Unfit("a quotient of different shapes")
    return left / right


def _matmul(left, right):
    if np.ndim(left) < 2 or np.ndim(right) < 2 or left.shape[-1] != right.shape[-2]:
        raise Unfit("a matrix product of shapes that do not fit")
    return left @ right
