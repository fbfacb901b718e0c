"""LaTeX of the typed layers' index form (core/tensor_index.py) as conv and batchnorm posts write it:
x_{c,\\,i+p,\\,j+q} with its indices apart, ∂L/∂z^{[1]}_{o,i,j} as a fraction, the sample's index
left out when there is one sample, [z > 0] for ReLU's slope, max over a pool's window."""

from __future__ import annotations

import functools

import sympy as sp

from .index_printer import THIN, IndexPrinter
from .notation import format_number


OFFSETS = {sp.Symbol("p"), sp.Symbol("q")}


@functools.lru_cache(maxsize=8192)          # a worked entry prints the same few indices many times
def _index_text(index: sp.Expr) -> str:
    named = index.xreplace({i: sp.Symbol(str(i.label)) for i in index.atoms(sp.Idx)})
    if not isinstance(named, sp.Add):
        return sp.latex(named).replace(" ", "")
    # the axis before the kernel offset (i + p), larger strides first (4o + 2h + w), numbers last
    terms = sorted(named.args, key=lambda t: (t.is_Number, not t.free_symbols.isdisjoint(OFFSETS),
                                              -abs(t.as_coeff_Mul()[0]), sorted(map(str, t.free_symbols))))
    text = "".join(("+" if k and not sp.latex(t).startswith("-") else "") + sp.latex(t) for k, t in enumerate(terms))
    return text.replace(" ", "")


class TensorPrinter(IndexPrinter):
    printmethod = "_tensor_latex"

    def __init__(self, adjoints: dict, sampled: frozenset = frozenset(), sample=None, numbers: dict | None = None,
                 precision: int = 4):
        super().__init__()
        self.adjoints = adjoints          # an adjoint's base -> the base it is the gradient by
        self.sampled = sampled            # bases whose first index, the sample's, is left out (one sample)
        self.sample = sample              # the sample's index: its sums left out too
        self.numbers = numbers            # base -> array: entries printed as their values
        self.precision = precision

    def _indices(self, base, indices) -> str:
        shown = indices[1:] if base in self.sampled else indices
        return r",\,".join(self._index(i) for i in shown)

    def _index(self, index) -> str:
        """An index as the posts write it: i, 2i + p, 4o + 2h + w."""
        if isinstance(index, sp.Indexed):             # a token id picks the row: E_{x_{n,t},k}
            return self._print(index)
        return _index_text(index)

    def _print_Indexed(self, expr):
        if self.numbers is not None and expr.base in self.numbers and all(i.is_Integer for i in expr.indices):
            return self._number(self.numbers[expr.base][tuple(int(i) for i in expr.indices)])
        entry = f"{self._label(expr.base)}_{{{self._indices(expr.base, expr.indices)}}}"
        if expr.base in self.adjoints:
            return rf"\frac{{\partial L}}{{\partial {self._label(self.adjoints[expr.base])}_{{{self._indices(expr.base, expr.indices)}}}}}"
        return entry

    def _print_Symbol(self, expr):
        if self.numbers is not None and expr in self.numbers:
            return self._number(self.numbers[expr])
        return expr.name

    def _number(self, value) -> str:
        text = format_number(float(value), self.precision)
        return f"({text})" if text.startswith("-") else text

    @staticmethod
    def _label(base) -> str:
        return str(base.label)

    def _print_Sum(self, expr):
        shown = [limit for limit in expr.limits if self.sample is None or limit[0] != self.sample]
        sums = "".join(rf"\sum_{{{self._index(i)}}} " if upper == getattr(i, "upper", upper) else
                       rf"\sum_{{{self._index(i)}={self._index(lower)}}}^{{{self._index(upper)}}} "
                       for i, lower, upper in shown)
        body = self._print(expr.function)
        return sums + (rf"\left({body}\right)" if isinstance(expr.function, sp.Add) else body)

    def _print_Add(self, expr):
        text = ""
        for term in expr.args:
            coefficient, rest = term.as_coeff_Mul()
            negative = coefficient.is_negative
            shown = self._print(-term if negative else term)
            text += (" - " if negative else " + ") + shown if text else ("-" if negative else "") + shown
        return text

    def _print_Mul(self, expr):
        """A fraction's coefficient first (\\frac{1}{4}), sums in parentheses, 1/x as a fraction."""
        coefficient, rest = expr.as_coeff_Mul() if expr.args[0].is_Number else (sp.S.One, expr)
        factors = list(rest.args) if isinstance(rest, sp.Mul) else [rest]
        over = [f.base for f in factors if isinstance(f, sp.Pow) and f.exp == -1]
        factors = [f for f in factors if not (isinstance(f, sp.Pow) and f.exp == -1)]
        written = self.join([self._factor(f) for f in factors])
        if over:
            written = rf"\frac{{{written or '1'}}}{{{self.join([self._factor(f) for f in over])}}}"
        if coefficient == 1:
            return written
        if coefficient == -1:
            return "-" + written
        return f"{self._print(coefficient)}{THIN}{written}"

    def join(self, parts: list[str]) -> str:
        return THIN.join(parts)

    def _factor(self, factor) -> str:
        return rf"\left({self._print(factor)}\right)" if isinstance(factor, sp.Add) else self._print(factor)

    def _print_Piecewise(self, expr):
        (value, condition), *_ = expr.args
        return rf"[{self._print(condition.lhs)} > {self._print(condition.rhs)}]"

    def _print_Max(self, expr):
        return rf"\max\left({', '.join(self._print(a) for a in expr.args)}\right)"

    def _print_WindowMax(self, expr):
        entry, p, q = expr.args
        return rf"\max_{{{p},\,{q}}} {self._print(entry)}"

    def _print_Wins(self, expr):
        entry, i, j, _, _ = expr.args
        return rf"[{self._print(entry)} \text{{ is the max of window }} ({self._index(i)},{self._index(j)})]"

    def _print_Heaviside(self, expr):
        """[x > 0] (ReLU's slope, Heaviside(x, 0)); [s ≤ t] (a causal mask, Heaviside(t - s, 1))."""
        x = expr.args[0]
        if len(expr.args) > 1 and expr.args[1] == 1:
            negative = [a for a in sp.Add.make_args(x) if a.could_extract_minus_sign()]
            if len(negative) == 1 and len(sp.Add.make_args(x)) == 2:
                positive = x - negative[0]
                return rf"[{self._index(-negative[0])} \le {self._index(positive)}]"
            return rf"[{self._print(x)} \ge 0]"
        return rf"[{self._print(x)} > 0]"

    def _print_Picks(self, expr):
        return rf"[{self._print(expr.args[0])} = {self._index(expr.args[1])}]"

    def _print_KroneckerDelta(self, expr):
        first, second = sorted(expr.args, key=lambda a: a.is_Number)
        return rf"[{self._index(first)} = {self._index(second)}]"

    def _print_Equality(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Pow(self, expr):
        if expr.exp == sp.S.Half:
            return rf"\sqrt{{{self._print(expr.base)}}}"
        if expr.exp == sp.Rational(-1, 2):
            return rf"\frac{{1}}{{\sqrt{{{self._print(expr.base)}}}}}"
        if expr.exp == -1:
            return rf"\frac{{1}}{{{self._print(expr.base)}}}"
        base = self._print(expr.base)
        # a sum, or an entry whose name carries its own superscript (a^{[1]}_{i}), in parentheses
        bracketed = isinstance(expr.base, (sp.Add, sp.Indexed)) or "^" in base
        return rf"\left({base}\right)^{{{self._print(expr.exp)}}}" if bracketed else f"{base}^{{{self._print(expr.exp)}}}"

    def _print_Rational(self, expr):
        if expr.q == 1:
            return str(expr.p)
        return ("-" if expr.p < 0 else "") + rf"\frac{{{abs(expr.p)}}}{{{expr.q}}}"

    def _print_Float(self, expr):
        return self._number(expr)

    def _print_exp(self, expr):
        return rf"e^{{{self._print(expr.args[0])}}}"

    def _print_Function(self, expr):
        return rf"\operatorname{{{type(expr).__name__}}}\left({', '.join(self._print(a) for a in expr.args)}\right)"


def tensor_latex(expr, adjoints: dict, sampled: frozenset = frozenset(), sample=None, numbers: dict | None = None,
                 precision: int = 4) -> str:
    return TensorPrinter(adjoints, sampled, sample, numbers, precision).doprint(expr)
