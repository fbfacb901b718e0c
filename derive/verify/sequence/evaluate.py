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
from .readings import WorldReadings
from .entries import Entries, whole_axis
from .indices import kronecker
from .derivatives import adjoint_of, derivative_parts, held_fixed, step_loss_of, time_offset
from .names import key_of, size_of, subtracted_mask
from .post_facts import PostNames, macro_key
from .arithmetic import add, divide, entrywise, length, matmul
from .applied import MAX_DEPTH, Applications, function_name
from .operators import Operators
from .unfit import AfterTheLast, PastTheLast, Unfit
from .post_gradients import post_gradient
from .quantities import World
from .updates import RATES
from .step_ranges import StepRanges
from .chains import Chains, chain_factors
from .written_out import WrittenOut, bare_ones
from .products import Products

_TIMED = re.compile(r"(\(.+\)|\\langle.+\\rangle|<.+>)(T|\\top|⊤|\\intercal|[23])")


class Evaluator(WorldReadings, Entries, CodeForms, Applications, Operators, StepRanges, Chains, WrittenOut,
                Products):
    def __init__(self, world: World, post: PostNames, convention: dict[str, object],
                 indices: dict[str, int] | None = None):
        self.world, self.post, self.convention = world, post, convention
        self.consulted: dict[str, tuple] = {}
        self.depth = 0
        self.indices = dict(indices or {})
        self.step_term = False               # dW += …: a gradient read as the step's own term
        self.read: set[str] = set()          # the world's keys read
        self.named_read: set[str] = set()    # the post's own names read (δ_ht, as its line defined it)
        self.letter_sizes = {}
        self.kronecker_letters: set[str] = set()
        self.bound: dict[str, object] = {}      # a post function's parameters, while its body is read
        self.step_letters: dict[str, int] = {}  # a range's letter, at its step number (Σ_{k=1}^{t}: k)
        self.moved: dict[str, np.ndarray] = {}  # a post's name given another value (its gradient's differences)
        self.moved_keys: dict[str, np.ndarray] = {}     # a world quantity given another (∂/∂V_ij applied)
        self.recursive: s.Frac | None = None    # ∂h_t/∂W = ∂h_t/∂W + …: the derivative written again in a sum,
        self.on_right = False                   # and whether a right side is being read
        self.immediate: set[s.Frac] = set()     # Σ_k ∂h_t/∂h_k ∂h_k/∂W: its ∂h_k/∂W (step_ranges.held_earlier)

    def with_value(self, key: str, value: np.ndarray) -> "Evaluator":
        """This evaluator with the post's name `key` at another value, and the names defined from it with it."""
        other = Evaluator(self.world, self.post, self.convention, self.indices)
        other.consulted, other.read, other.moved = self.consulted, self.read, self.moved | {key: value}
        other.moved_keys, other.step_letters, other.immediate = self.moved_keys, self.step_letters, self.immediate
        return other

    def pick(self, family: str, options: tuple):
        self.consulted.setdefault(family, options)
        return self.convention.get(family, options[0])

    # -- names --------------------------------------------------------------------------------
    def named(self, node: s.Node):
        """A name's value, or None where the node is no name of the world's or the post's."""
        if isinstance(node, s.Sym) and node.text in self.bound:
            return self.bound[node.text]
        key = key_of(node, self.world.kind, self.pick, self.post.aliases) if kronecker(node) is None else None
        if key is not None and self.post.assigned_again(macro_key(node)):
            key = None                       # dho = dsigmoid(ho) * dho above: code's new value, not the world's
        if key is not None:
            if key in self.moved_keys:
                return self.moved_keys[key]
            if key.rstrip("!") in self.post.standing:        # the post's own wrong value, where a slip is traced
                return self._standing(self.post.standing[key.rstrip("!")])
            return self._world(key)
        if size_of(node) in self.world.sizes:
            return float(self.world.sizes[size_of(node)])
        entry = self.entry_named(node, self.named)
        if entry is not None:
            return entry
        if self.moved and macro_key(node) in self.moved:
            return self.moved[macro_key(node)]
        macro = self.post.macro(macro_key(node))
        if macro is not None:
            self.named_read.add(macro_key(node))
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise Unfit("a name defined through itself")
            held = self.post.line
            if macro[0] is not None:
                self.post.line = macro[0]          # dt = 2 * dt: the right side's dt is the one before
            try:
                return self.value(macro[1])
            finally:
                self.depth -= 1
                self.post.line = held
        adjoint = adjoint_of(node)
        if adjoint is not None and macro_key(adjoint) in self.post.macros and self.post.anchors:
            return post_gradient(self, adjoint)              # ∂L/∂B_4: through the post's own definitions
        return None

    def _standing(self, node: s.Node):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unfit("a name defined through itself")
        try:
            return self.value(node)
        finally:
            self.depth -= 1

    # -- the tree -----------------------------------------------------------------------------
    def value(self, node: s.Node):
        found = self.named(node)
        if found is not None:
            return found
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Unfit(f"{s.form_words(node)}, which is not read in a sequence claim")
        return method(node)

    def _Sym(self, node: s.Sym):
        if node.text in RATES and not node.font and "lr" in self.world.sizes:
            return self.world.sizes["lr"]           # η, α in an update: the spec's learning rate
        return self._letters(node, None)

    def _letters(self, node: s.Sym, scripted: s.Scripted | None):
        """QK, XW_q, Ux^{(t)}: capitals (or a capital and a letter) run together, each its own name (the scripts
        are the last one's)."""
        text = node.text
        if node.font or len(text) < 2 or not text.isalpha() or not (text.isupper() or re.fullmatch(r"[A-Z][a-z]", text)):
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
        if node.kind == "[" and isinstance(node.inner, s.Juxt) and \
                all(isinstance(item, (s.Sym, s.Scripted)) for item in node.inner.items):
            keys = [key_of(item, self.world.kind, self.pick, self.post.aliases) for item in node.inner.items]
            if any(key is not None and key[:2] in ("W:", "U:", "V:") for key in keys):
                return self.value(node.inner)            # [W x_1]: a product
            return self._side_by_side([self.value(item) for item in node.inner.items])   # [x_t h_{t-1}]
        return self.value(node.inner)

    def _Neg(self, node: s.Neg):
        return -self.value(node.arg)

    def _Sqrt(self, node: s.Sqrt):
        return np.sqrt(self.value(node.arg))

    def _Norm(self, node: s.Norm):
        return length(self.value(node.arg), vectors=False)

    def _Frac(self, node: s.Frac):
        parts = derivative_parts(node)
        if parts is not None and parts[0] is not None and not is_loss(parts[0]):
            return self.derivative(parts[0], parts[1], self.mode_of(node))
        return divide(self.value(node.num), self.value(node.den))

    def mode_of(self, node: s.Frac) -> str | None:
        """"total" or "immediate" where the claim fixes which derivative by a weight it means, else None."""
        if held_fixed(node):
            return "held"                       # ∂⁺: the immediate derivative, by a weight or by an earlier state
        if node in self.immediate:
            return "immediate"
        return None if node != self.recursive else "immediate" if self.on_right else "total"

    def _BinOp(self, node: s.BinOp):
        if subtracted_mask(node, self.world.kind):
            raise Unfit("M subtracted (exp(S - M)): the post's own stabilizer, a row's max or log-sum-exp, not the mask")
        chained = self._chain(node)
        if chained is not None:
            return chained
        if node.op == "*" and node.left == s.Sym("np"):
            return self.value(node.right)                 # np.dot(...), np.tanh(...): NumPy's functions
        if node.op == "*" and isinstance(node.left, s.BinOp) and node.left.op == "*" and node.left.right == s.Sym("np"):
            return self.product(self.value(node.left.left), self.value(node.right))     # o * np.tanh(c)
        if node.op == "*" and method(node.right, "dot") is not None:
            return matmul(self.value(node.left), self.value(method(node.right, "dot")))     # a.dot(b)
        if node.op in ("*", "@") and (bare_ones(node.right) == "column" or bare_ones(node.left) == "row"):
            return self._by_ones(node.left, node.right)
        if node.op in ("+", "-") and isinstance(node.left, s.BigSum) and _reads_letter(node.right, node.left.sub) \
                and self.pick("sum's reach", ("its term", "the terms after it")) == "the terms after it":
            # Σ_t ŷ^{(t)} - y^{(t)}: the later term reads the sum's letter, so the sum may reach it
            return self.value(s.BigSum(node.left.sub, node.left.sup, s.BinOp(node.op, node.left.body, node.right)))
        if node.op in ("*", "odot") and isinstance(node.right, s.Juxt) and len(node.right.items) > 1 and \
                function_name(node.right.items[0])[0] is None and \
                self.pick("* and juxtaposition", ("juxtaposition first", "left to right")) == "left to right":
            # Γ * (1 - Γ) [a; x]ᵀ: the * first, as a post that writes * between its factors reads them
            first = s.BinOp(node.op, node.left, node.right.items[0])
            return self.value(s.Juxt((s.Paren(first, "("),) + node.right.items[1:]))
        left, right = self.value(node.left), self.value(node.right)
        if node.op in ("+", "-"):
            return add(left, right, 1.0 if node.op == "+" else -1.0)
        if node.op == "/":
            return divide(left, right)
        if node.op == "odot":
            self._one_sample_only(left, right)
            return entrywise(left, right)
        if node.op == "@":
            return matmul(left, right)
        if node.op == "*":
            return self.product(left, right)
        if node.op == "conv" and all(np.ndim(v) == 2 and min(np.shape(v)) == 1 for v in (left, right)):
            return np.reshape(left, (-1, 1)) @ np.reshape(right, (1, -1))      # a ⊗ b, two vectors: their outer product
        raise Unfit(f"the operator {node.op}")

    def _chain(self, node: s.Node):
        factors = chain_factors(node)
        return None if factors is None else self.chained(factors)

    def _Juxt(self, node: s.Juxt):
        chained = self._chain(node)
        if chained is not None:
            return chained
        items = list(node.items)
        if any(is_loss(a) and _round(b) and _round(c) for a, b, c in zip(items, items[1:], items[2:])):
            raise Unfit("the post's own function applied twice, J(a)(b) (a Jacobian of a by b)")
        factors, k, alone = [], 0, None         # alone: how many items the first factor took
        while k < len(items):
            item = items[k]
            applied = self._applied(item, items[k + 1] if k + 1 < len(items) else None)
            if applied is None and k + 1 < len(items):
                applied = self._at_step(item, items[k + 1])
            if item == s.Sym("d") and k + 1 < len(items) and function_name(items[k + 1])[0] is not None:
                raise Unfit("d before a function: the function's derivative as an operator")   # d softmax(dP)
            if applied is None and isinstance(item, s.Sym) and item.text in ("d", "\\delta") and k + 1 < len(items):
                applied = self._adjoint(item, items[k + 1])                 # W^T d Γ, δA^T Q: d Γ one name
            if applied is None and k + 1 < len(items) and isinstance(item, s.Frac) and \
                    (derivative_parts(item) or (0,))[0] is None:
                applied = self._operator(derivative_parts(item)[1], items[k + 1])    # ∂/∂V_ij (V_lm h_m + b_l)
            if applied is None and bare_ones(item) == "row" and k + 1 < len(items):
                applied = self._by_ones(item, items[k + 1])                # 1ᵀ M: M's column sums
            if applied is not None:
                found, k = applied, k + 2
            elif bare_ones(item) == "column" and factors:
                found, k = self._by_ones(None, item, self._folded(factors)), k + 1        # M 1: M's row sums
                factors = []
            else:
                found, k = self.value(item), k + 1
                if not factors and k < len(items) and _chain_rule(item, items[k]) and np.ndim(found) == 2 and \
                        found.shape[1] == 1 < found.shape[0] and self.pick("gradient", ("column", "row")) == "row":
                    found = found.T         # ∂J/∂p ∂p/∂y: the gradient a row, as the numerator layout writes it
            while k < len(items) and isinstance(items[k], s.Paren) and items[k].kind == "[:":
                found, k = self.sliced(found, items[k].inner.text), k + 1       # gates[:H]
            if len(factors) == 1 and alone == 1 and self._target_by_vector(items[0], factors[0], found):
                factors = [factors[0].T @ found]     # y_t log ŷ_t: the one-hot target's dot product, the cross-entropy's
            else:
                factors.append(found)
            alone = k if alone is None else 0
        return self._folded(factors)

    def _target_by_vector(self, first: s.Node, left, right) -> bool:
        """The one-hot target written before a vector of its shape, as cross-entropy's y log ŷ is: their dot
        product, or (the convention's other reading) their entries' products."""
        if np.ndim(left) != 2 or np.shape(left) != np.shape(right) or np.shape(left)[1] != 1:
            return False
        if key_of(first, self.world.kind, self.pick, self.post.aliases) != "y":
            return False
        return self.pick("target product", ("entries", "inner")) == "inner"

    def _adjoint(self, mark: s.Sym, name: s.Node):
        """d Γ, δA, δA^T inside a product: the gradient's value (turned), or None where it names none."""
        turned = isinstance(name, s.Scripted) and name.sub is None and name.sup is not None and \
            name.sup.text in TRANSPOSES
        found = self.named(s.Juxt((mark, name.base if turned else name)))
        return np.transpose(found) if turned and found is not None else found

    def _Func(self, node: s.Func):
        raise Unfit(f"{node.name} without its argument")

    def _Scripted(self, node: s.Scripted):
        sup = node.sup.text if node.sup else ""
        ones = self._ones(node)
        if ones is not None:
            return ones.T if sup in TRANSPOSES else ones
        if node.base == s.Sym("e") and node.sub is None and node.sup is not None and node.sup.node is not None:
            return np.exp(self.value(node.sup.node))      # e^{S_{ij}}
        if isinstance(node.base, s.Sym) and len(node.base.text) > 1 and not node.primes and \
                (node.base.text.isupper() or re.fullmatch(r"[A-Z][a-z]", node.base.text) and
                 any(script is not None and time_offset(script.text) is not None for script in (node.sub, node.sup))):
            return self._letters(node.base, node)          # QK^T: Q times K^T; Ux^{(t)}: U times x^{(t)}
        if node.base == s.Sym("\\delta") and node.sub is not None and time_offset(sup) is not None:
            raise Unfit("δ_k^{(t)}: the error of step t's loss at step k")      # WildML's, never a power
        timed = _TIMED.fullmatch(sup)
        if timed and time_offset(timed[1]) is not None:        # h^{(t)T}, x^{(t)}^T, h^{(t)2}: step t's, turned or squared
            value = self.value(s.Scripted(node.base, node.sub, s.Script(timed[1], None), node.primes))
            return value ** int(timed[2]) if timed[2].isdigit() else np.transpose(value)
        power = _number(sup)
        if node.primes or not (sup in TRANSPOSES or power is not None):
            raise Unfit("a scripted name this network does not have")
        if isinstance(node.base, s.Norm) and power is not None and (node.sub is None or node.sub.text.strip("{} ") == "2"):
            return length(self.value(node.base.arg), vectors=True) ** power      # ½‖ŷ - y‖²: a squared error
        base = self.value(s.Scripted(node.base, node.sub, None) if node.sub is not None else node.base)
        if sup in TRANSPOSES:
            return np.transpose(base)
        return base ** power

    def _BigSum(self, node: s.BigSum):
        letter = node.sub.text if node.sub else ""
        bound = node.sub.node if node.sub else None
        if isinstance(bound, s.Chain) and bound.relations in (("\\neq",), ("\\ne",)) and \
                all(isinstance(side, s.Sym) for side in bound.sides):
            letter = "≠".join(side.text for side in bound.sides)          # Σ_{k≠j}: every k but j's
        if re.match(r"^t(=[01])?$", letter) and self.world.steps:
            return self._over_time(node.body, node.sup is not None and node.sup.text.strip("{} ") == "T")
        steps = self.ranged(node)
        if steps is not None:                       # Σ_{k=1}^{t}: every step k up to the one in view
            return self.ranged_sum(node, *steps)
        whole = whole_axis(letter, node.sup.text if node.sup is not None else None)
        summed = self.index_sum(whole, node.body) if whole is not None else None
        if summed is not None:
            return summed
        if letter not in ("j", "k", "s") or node.sup is not None:
            raise Unfit(f"a sum over {letter}")
        body = self.value(node.body)
        if np.ndim(body) < 2:
            raise Unfit("a sum of a scalar")
        return np.sum(body, axis=-1, keepdims=True)        # Σ_j over a row's keys


    def _over_time(self, body: s.Node, to_the_last: bool = False):
        """Σ_t: the body at every step, summed; `to_the_last`, Σ_{t=1}^{T}, whose term there cannot read L_{T+1}."""
        held, total = self.world.at, 0.0
        try:
            for step in range(len(self.world.steps)):
                self.world.at = step
                try:
                    total = add(total, self.value(body), 1.0) if np.ndim(total) else total + self.value(body)
                except AfterTheLast:
                    if to_the_last and step == len(self.world.steps) - 1 > 0:
                        raise PastTheLast("the sum runs to the last step, T, where its term reads the loss of step "
                                          "T + 1, which does not exist (its range, or its step, is off by one)")
                    raise
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


def _chain_rule(first: s.Node, second: s.Node) -> bool:
    """∂J/∂p ∂p/∂y: the loss's gradient, then a Jacobian (the chain rule, written left to right)."""
    gradient = isinstance(first, s.Frac) and (adjoint_of(first) is not None or step_loss_of(first) is not None)
    parts = derivative_parts(second) if isinstance(second, s.Frac) else None
    return gradient and parts is not None and parts[0] is not None and not is_loss(parts[0])


def _round(node: s.Node) -> bool:
    return isinstance(node, s.Paren) and node.kind == "("


def _reads_letter(node: s.Node, sub: s.Script | None) -> bool:
    """Whether a script in the node reads the sum's letter (y^{(t)}, h_{t-1} after Σ_t)."""
    letter = sub.text.split("=")[0].strip() if sub is not None else ""
    return bool(re.fullmatch(r"[a-z]", letter)) and any(
        isinstance(n, s.Scripted) and any(script is not None and re.search(rf"(?<![A-Za-z\\]){letter}(?![A-Za-z])",
                                                                            script.text) for script in (n.sub, n.sup))
        for n in s.nodes(node))
