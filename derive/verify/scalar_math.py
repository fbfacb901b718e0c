"""A formula in scalar letters as a SymPy expression: what the post's own circuit (a = e^{e_1}, α_1 = a/b) and
its identities (d/dx tanh(x) = 1 − tanh²(x)) say, read without the network.

Only what is a scalar beyond doubt is read: letters with index scripts, numbers, + − · / ⊙, powers by numbers,
e^{…}, √, exp, log, tanh, σ and their primes, and ∂A/∂B of a letter by a letter. A transpose, a bold letter,
a sum, a matrix, a word or a function the post names itself is not: NotScalar, and the claim is left alone.
Nothing is parsed here: the syntax tree is the reader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Callable

import sympy as sp

from . import syntax as s

VECTOR_FONTS = {"mathbf", "boldsymbol", "bm", "vec", "bf", "pmb", "mathbb"}
# a superscript that names a step or a layer, not a power: h^{(t)}, a^{<t>}, a^{[1]}, W^{\langle 2\rangle}
NAMING_SCRIPT = ("(", "<", "[", "\\langle", "⟨", "{(", "{<", "{[")
# σ is the logistic function to most posts and the activation, tanh, to a few: a claim holds under either
SIGMAS = {"logistic": lambda x: 1 / (1 + sp.exp(-x)), "tanh": sp.tanh}
FUNCTIONS = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
             "sin": sp.sin, "cos": sp.cos, "sigmoid": SIGMAS["logistic"]}


# letters a post names a function of its own by: f(Y) applies f, it does not multiply
FUNCTION_LETTERS = {"f", "g", "F", "G", "H", "L", "J", "E", "C", "l", "\\ell", "\\phi", "\\varphi", "\\psi"}
MAX_POWER = 64
# a star is a convolution as often as a product: \cdot and \times are read, * and \ast are not
STARS = ("*", "\\ast", "\\star", "\\circledast", "\\otimes")


class NotScalar(Exception):
    """The formula is not one of plain scalar letters."""


@dataclass(frozen=True)
class Derivative:
    """∂A/∂B as written: A a letter's key, or the operand of \\frac{d}{dx} (syntax: it is read with B held), B a
    letter's key."""
    of: str | s.Node
    by: str


def letter_key(node: s.Node, scripted: bool = False) -> str | None:
    """α_1, u_{ot}, h^{(t)}: a scalar letter's name, with its index and naming scripts; None for anything else
    (a bare e is Euler's number as often as a letter: neither is read)."""
    if isinstance(node, s.Paren) and node.kind == "{":
        return letter_key(node.inner, scripted)
    if isinstance(node, s.Sym):
        single = len(node.text) == 1 or node.text.startswith("\\") and node.text[1:].isalpha()
        if not single or node.font in VECTOR_FONTS or node.text in ("\\pi", "\\partial") or \
                node.text == "e" and not scripted:
            return None
        return node.text + (f"/{node.font}" if node.font else "")
    if isinstance(node, s.Scripted) and not node.primes:
        if isinstance(node.base, s.Sym) and node.base.text == "e" and node.sub is None:
            return None                                  # e^{(u + v)}: a power of e, whatever its brackets
        base = letter_key(node.base, scripted=node.sub is not None or node.sup is not None and _naming(node.sup))
        if base is None or node.sup is not None and not _naming(node.sup):
            return None
        if node.sub is not None and not node.sub.text:
            return None
        return base + (f"_{node.sub.text}" if node.sub else "") + (f"^{node.sup.text}" if node.sup else "")
    return None


def _naming(script: s.Script) -> bool:
    return script.text.startswith(NAMING_SCRIPT) and script.text not in s.TRANSPOSES


class ScalarReader:
    """Reads one side of a claim: `letter` gives a letter's symbol, `derivative` the value of ∂A/∂B (or None: the
    claim is not read), `sigma` the reading of σ."""

    def __init__(self, letter: Callable[[str], sp.Symbol], derivative: Callable[[Derivative], sp.Expr],
                 sigma: str = "logistic"):
        self.letter, self.derivative, self.sigma = letter, derivative, sigma

    def value(self, node: s.Node) -> sp.Expr:
        key = letter_key(node)
        if key is not None:
            return self.letter(key)
        visit = getattr(self, f"_{type(node).__name__}", None)
        if visit is None:
            raise NotScalar(type(node).__name__)
        return visit(node)

    def _Num(self, node: s.Num) -> sp.Expr:
        try:
            exact = Fraction(Decimal(node.text))
        except (InvalidOperation, ValueError):
            raise NotScalar(node.text) from None
        return sp.Rational(exact.numerator, exact.denominator)

    def _Sym(self, node: s.Sym) -> sp.Expr:
        if node.text == "\\pi":
            return sp.pi
        raise NotScalar(node.text)

    def _Paren(self, node: s.Paren) -> sp.Expr:
        if node.kind not in "({":
            raise NotScalar(node.kind)
        return self.value(node.inner)

    def _Neg(self, node: s.Neg) -> sp.Expr:
        return -self.value(node.arg)

    def _Sqrt(self, node: s.Sqrt) -> sp.Expr:
        return sp.sqrt(self.value(node.arg))

    def _BinOp(self, node: s.BinOp) -> sp.Expr:
        if _opens_with_operator(node.left):
            raise NotScalar("how far d/dx reaches")       # \frac{d}{dx} x \cdot y, \frac{d}{dx} x^3 + x
        left, right = self.value(node.left), self.value(node.right)
        if node.op == "/" and isinstance(node.right, s.Juxt):
            raise NotScalar("a slash before a product")       # 1/2\sqrt{x}: 1/(2√x) or √x/2
        operations = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                      "odot": lambda: left * right, "/": lambda: left / right, "oslash": lambda: left / right}
        if node.op not in operations:
            raise NotScalar(node.op)
        return operations[node.op]()

    def _Frac(self, node: s.Frac) -> sp.Expr:
        written = derivative_of(node)
        if written is not None:
            of, by = written
            return self.derivative(Derivative(of, by))
        if _is_operator(node):
            raise NotScalar("an operator without its operand")
        return self.value(node.num) / self.value(node.den)

    def _Scripted(self, node: s.Scripted) -> sp.Expr:
        if node.primes or node.sup is None or node.sup.node is None:
            raise NotScalar("a script")
        if isinstance(node.base, s.Sym) and node.base.text == "e" and not node.base.font and node.sub is None:
            return sp.exp(self.value(node.sup.node))
        if _naming(node.sup) or node.sup.text in s.TRANSPOSES or not _numeric(node.sup.node):
            raise NotScalar("a script")
        base = s.Scripted(node.base, node.sub, None) if node.sub is not None else node.base     # h_t^2
        return self.value(base) ** self._exponent(node.sup.node)

    def _exponent(self, node: s.Node) -> sp.Rational:
        """A power's number: small, as a hand-worked formula's are (x^{99999999999} is not worked out)."""
        power = self.value(node)
        if not isinstance(power, sp.Rational) or abs(power) > MAX_POWER or power.q > MAX_POWER:
            raise NotScalar("a power too large to work out")
        return power

    def _Juxt(self, node: s.Juxt) -> sp.Expr:
        items, product = list(node.items), sp.Integer(1)
        while items:
            item = items.pop(0)
            if isinstance(item, s.BinOp) and item.op == "/" and items:
                raise NotScalar("a slash before a product")
            if isinstance(item, s.Frac) and _is_operator(item):      # \frac{d}{dx} f(x): of all that follows
                by = letter_key(item.den.items[1]) if isinstance(item.den, s.Juxt) and len(item.den.items) == 2 \
                    else None
                if by is None or not items:
                    raise NotScalar("an operator")
                operand = s.Juxt(tuple(items)) if len(items) > 1 else items[0]
                return product * self.derivative(Derivative(operand, by))
            function = self._function(item)
            if function is not None:
                if not items:
                    raise NotScalar("a function without its argument")
                argument, power = items.pop(0), 1
                if isinstance(argument, s.Scripted) and isinstance(argument.base, s.Paren) and argument.sup and \
                        argument.sub is None and not argument.primes and _numeric(argument.sup.node):
                    argument, power = argument.base, self._exponent(argument.sup.node)     # \sigma(x)^2
                product *= function(self.value(argument)) ** power
                continue
            if letter_key(item) is not None and items and isinstance(items[0], s.Paren) and \
                    (letter_key(item).split("_")[0] in FUNCTION_LETTERS or letter_key(items[0].inner) is not None):
                raise NotScalar("a function of the post's own")        # f(Y), g(x), L(y): not a product
            product *= self.value(item)
        return product

    def _function(self, item: s.Node) -> Callable | None:
        """exp, \\tanh^2, \\sigma': a function applied to the item after it (a power or a prime kept)."""
        power, primes = 1, 0
        if isinstance(item, s.Scripted) and isinstance(item.base, s.Func) and item.sub is None:
            if item.sup is not None:
                if not _numeric(item.sup.node):
                    return None
                power = self._exponent(item.sup.node)
                if power < 1 or not power.is_integer:
                    raise NotScalar("an inverse function")          # \tanh^{-1}(x): artanh, not 1/tanh
            primes, item = item.primes, item.base
        if not isinstance(item, s.Func):
            return None
        rule = SIGMAS.get(self.sigma) if item.name == "sigma" else FUNCTIONS.get(item.name)
        if rule is None or primes > 2:
            raise NotScalar(item.name)
        x = sp.Dummy("x")
        shape = sp.diff(rule(x), x, primes) if primes else rule(x)
        return lambda argument: shape.subs(x, argument) ** power


def derivative_of(node: s.Frac) -> tuple[str, str] | None:
    """\\frac{\\partial A}{\\partial B} of two letters: (A, B)."""
    parts = []
    for part in (node.num, node.den):
        if not (isinstance(part, s.Juxt) and len(part.items) == 2 and isinstance(part.items[0], s.Partial)):
            return None
        parts.append(letter_key(part.items[1]))
    return None if None in parts else (parts[0], parts[1])


def _is_operator(node: s.Frac) -> bool:
    return isinstance(node.num, s.Partial)


def _opens_with_operator(node: s.Node) -> bool:
    while isinstance(node, s.BinOp):
        node = node.left
    return isinstance(node, s.Juxt) and isinstance(node.items[0], s.Frac) and _is_operator(node.items[0])


def _numeric(node: s.Node | None) -> bool:
    """A power's exponent: numbers and their signs and fractions only (x^2, x^{-1}, x^{1/2})."""
    if isinstance(node, s.Num):
        return True
    if isinstance(node, s.Neg):
        return _numeric(node.arg)
    if isinstance(node, (s.BinOp, s.Frac)):
        parts = (node.left, node.right) if isinstance(node, s.BinOp) else (node.num, node.den)
        return all(_numeric(part) for part in parts)
    return False
