"""lark's parse tree -> the syntax nodes (syntax.py) the rest of verify reads.

Nothing is evaluated: each node records what was written. Script text is sliced from the source.
"""

from __future__ import annotations

import re

from lark import Token, Tree
from lark.visitors import Transformer_NonRecursive

from . import syntax as s
from .at_point import at_point
from .braced_sums import into_braced_sum
from .functions import layer_function


class _Relation(str):
    """A relation as written, with where it stands in the formula."""
    at: int

    def __new__(cls, text: str, at: int):
        made = super().__new__(cls, text)
        made.at = at
        return made



class Continued(Exception):
    """A row set at align's & that starts with a sign (& + x = v): it goes on with the row above."""

    def __init__(self, at: int):
        super().__init__(at)
        self.at = at


def _squeeze(text: str) -> str:
    return "".join(re.sub(r"\\(?:times|cdot)(?![A-Za-z])", "*", text).split())     # k \times s: a product


class Build(Transformer_NonRecursive):
    """lark tree -> syntax nodes. Script text is sliced from the source, spaces removed.

    Each rule's method takes the rule's children as its arguments (the three in _POSITIONED take
    the node's span in the source, from its first token to its last, and the children as a list).
    Dispatched here, not by lark's v_args wrappers, which cost a new wrapper object for every node
    of every formula read; the spans are found here too, for these rules alone, not by lark's
    propagate_positions, which computes one for every node."""

    def __init__(self, text: str):
        super().__init__(visit_tokens=False)      # tokens are kept as they are, not each offered to a method
        self.text = text

    def _call_userfunc(self, tree, new_children=None):
        children = tree.children if new_children is None else new_children
        method = getattr(self, tree.data, None)
        if method is None:
            return self.__default__(tree.data, children, tree.meta)
        return method(_span(tree), children) if tree.data in _POSITIONED else method(*children)

    # -- structure ---------------------------------------------------------
    def region(self, *lines):
        flat = []
        for line in lines:
            if isinstance(line, list):
                flat.extend(line)
            elif isinstance(line, s.Line):
                flat.append(line)
        return flat

    def line(self, body):
        if isinstance(body, list):
            return body
        return body if isinstance(body, s.Line) else s.Line(None, "")

    def empty(self, *_):
        return s.Line(None, "")

    def texted(self, *children):
        text = " ".join(str(c) for c in children if isinstance(c, Token) and c.type == "TEXT")
        return s.Line(None, text)          # prose before the math ("where ...") is not a claim

    def aligned_body(self, _align, chain, *texts):
        if chain.text[:1] in ("+", "-"):        # & + x = v: the sum of the row above goes on, not a claim of its own
            raise Continued(chain.offset)
        return self.body(chain, *texts)

    def body(self, chain, *texts):
        lines = self._unwrap(chain)
        if lines is not None:
            return lines
        return s.Line(chain, " ".join(str(t) for t in texts))

    def _unwrap(self, chain):
        """A line that is only a braced region (\\derivefit{...}) is that region's lines."""
        if isinstance(chain, s.Chain) and len(chain.sides) == 1 and isinstance(chain.sides[0], s.Group):
            return list(chain.sides[0].lines)
        return None

    def chain(self, span, children):
        return self._chain(span, children, False)

    def continued(self, span, children):
        return self._chain(span, children, True)

    def _chain(self, span, children, continued):
        sides = tuple(c for c in children if isinstance(c, s.Node))
        relations = tuple(c for c in children if isinstance(c, str) and not isinstance(c, s.Node))   # a = \\ b: one dangles
        start, end = span
        lines = tuple(self.text.count("\n", start, getattr(r, "at", start)) for r in relations)
        return s.Chain(sides, tuple(str(r) for r in relations), continued, " ".join(self.text[start:end].split()),
                       start, lines)

    def rel(self, *items):
        token = next(item for item in items if getattr(item, "type", None) == "REL")
        text = str(token).strip()
        return _Relation(":=" if _DEFINES.match(text) else text, token.start_pos)

    # -- operators ---------------------------------------------------------
    def add(self, a, _op, b):
        return s.BinOp("+", a, b)

    def sub(self, a, _op, b):
        return s.BinOp("-", a, b)

    def mul(self, a, _op, b):
        widened = into_braced_sum(a, b, "*")
        return widened if widened is not None else s.BinOp("*", a, b)

    def div(self, a, b):
        return s.BinOp("/", a, b)

    def hadamard(self, a, _op, b):
        return s.BinOp("odot", a, b)

    def oslash(self, a, _op, b):
        return s.BinOp("oslash", a, b)

    def convolve(self, a, _op, b):
        return s.BinOp("conv", a, b)

    def matmul(self, a, _op, b):
        return s.BinOp("@", a, b)

    def neg(self, _op, a):
        return s.Neg(a)

    def unary(self, _op, a):
        return a

    def partial_of(self, _op, b):
        return s.Juxt((s.Partial(), b))

    def juxt(self, a, b):
        if (widened := into_braced_sum(a, b)) is not None:
            return widened
        items = a.items if isinstance(a, s.Juxt) else (a,)
        layered = layer_function(items[-1], b)       # f'(z^{[1]}): layer 1's activation, as g^{[1]'}
        return s.Juxt(items[:-1] + (layered or items[-1], b))

    def bigsum(self, _op, *rest):
        scripts, body = rest[:-1], rest[-1]
        sub = next((sc for kind, sc in scripts if kind == "_"), None)
        sup = next((sc for kind, sc in scripts if kind == "^"), None)
        if sup is None and sub is not None:
            sub, sup = _between(sub)
        return s.BigSum(sub, sup, body)

    def bigprod(self, _op, *rest):
        found = self.bigsum(_op, *rest)
        return s.BigProd(found.sub, found.sup, found.body)

    # -- scripts -----------------------------------------------------------
    def scripted(self, base, *scripts):
        return self._attach(base, scripts, 0)

    def primed(self, base, primes, *scripts):
        return self._attach(base, scripts, len(str(primes)))

    def primed_after(self, base, *rest):
        """W_{ho}': the prime after the subscript."""
        return self._attach(base, rest[:-1], len(str(rest[-1])))

    def transposed(self, base, *rest):
        """W.T: NumPy's transpose, read as W^T."""
        return self._attach(base, rest[:-1] + (("^", s.Script("T", s.Sym("T"))),), 0)

    def _attach(self, base, scripts, primes):
        sub = sup = None
        for kind, script in scripts:
            if kind == "_":
                sub = script if sub is None else s.Script(sub.text + script.text, None)
            else:
                sup = script if sup is None else s.Script(sup.text + script.text, None)
        if isinstance(base, s.Paren) and base.kind == "{" and isinstance(base.inner, s.Scripted):
            base = base.inner
        if isinstance(base, s.Scripted) and not primes:      # {w_1}^+ : the braces only group
            if base.sub is not None and sub is not None:     # {h_t}_j: step t's entry j, as "t,j"
                sub = s.Script(f"{base.sub.text},{sub.text}", None)
            return s.Scripted(base.base, base.sub if sub is None else sub, _join(base.sup, sup), base.primes)
        return s.Scripted(base, sub, sup, primes)

    def sub_script(self, group):
        return ("_", _single(group))

    def sup_script(self, group):
        return ("^", _single(group))

    def braced(self, span, children):
        _, body, _ = children
        start, end = span
        source = self.text[start + 1:end - 1]
        text = _squeeze(source).replace("\\top", "T")       # W^{\top}, W^{[1]\top}: a transpose
        return s.Script(text, body if isinstance(body, s.Node) else None)

    def marked_script(self, *_):
        return None                 # the text (2+) says it all: split_modifier reads the mark

    def script_body(self, item):
        if isinstance(item, s.Chain):
            return item.sides[0] if len(item.sides) == 1 else item
        return None                        # a lone sign: w_5^{+}

    def script_list(self, *_):
        return None                        # w_{i,j}: the braced text is the key

    def empty_group(self, *_):
        return s.Script("", None)

    # -- atoms -------------------------------------------------------------
    def number(self, token):
        return s.Num(str(token))

    def name(self, token):
        return s.Sym("…" if token.type == "ELLIPSIS" else str(token))

    def fontname(self, token):
        text = str(token)
        font = text[1:text.index("{")].strip()
        inside = text[text.index("{") + 1:text.rindex("}")].strip()
        return s.Sym(inside.replace("~", " "), font)      # \text{W~update}: see_through's name of words

    def partial(self, _token):
        return s.Partial()

    def func(self, token):
        return s.Func(str(token)[1:])

    def frac(self, _frac, _l1, num, _r1, _l2, den, _r2):
        return s.Frac(_side(num), _side(den))

    def sqrt(self, _op, _l, arg, _r):
        return s.Sqrt(_side(arg))

    def group(self, _brace, lines, _close):
        chains = [line for line in lines if line.chain is not None]
        if len(lines) == 1 and chains and len(chains[0].chain.sides) == 1:
            return s.Paren(chains[0].chain.sides[0], "{")
        return s.Group(tuple(lines))

    def paren(self, _lp, inner, _rp):
        return s.Paren(_side(inner), "(")

    def evaluated(self, body, _bar, script):
        kind, point = script
        return at_point(body, point.node) if kind == "_" and point.node is not None else body

    def slicing(self, token):
        return s.Paren(s.Sym(str(token)[1:-1]), "[:")     # its text, read by who reads slices

    def angled(self, _open, inner, _close):
        return s.Paren(inner, "<")           # ⟨t⟩: a time step, as a superscript writes it

    def norm(self, _open, inner, _close):
        return s.Norm(_side(inner))

    def floor(self, _open, inner, _close):
        return s.Rounded(_side(inner), down=True)

    def ceiling(self, _open, inner, _close):
        return s.Rounded(_side(inner), down=False)

    def bracket(self, _lb, inner, _rb):
        side = _side(inner)
        figures = side.items if isinstance(side, s.Juxt) else ()
        if len(figures) > 1 and all(isinstance(f.arg if isinstance(f, s.Neg) else f, s.Num) for f in figures):
            return s.Matrix((figures,), listed=True)      # [0.5 \;\; 0.6]: a row spaced, not a product
        return s.Paren(side, "[")

    def row_vector(self, _lb, *items):
        """[a, b] as the posts write a row: a 1×n matrix."""
        return s.Matrix((tuple(item for item in items if isinstance(item, s.Node)),), listed=True)

    def stacked(self, _lb, *items):
        """[h_{t-1}; x_t]: the vectors stacked one above the other, a column."""
        return s.Matrix(tuple((item,) for item in items if isinstance(item, s.Node)))

    def args(self, _lp, *items):
        return s.Args(tuple(item for item in items if isinstance(item, s.Node)))

    def cases(self, _begin, *items):
        return s.Cases(tuple(item for item in items if isinstance(item, tuple)))

    def case(self, value, _align, *rest):
        conditions = [c for c in rest if isinstance(c, s.Chain)]
        return (value, conditions[0] if conditions else None)

    def hadamard_power(self, _op, exponent):
        return exponent

    def matrix(self, _begin, rows, _end):
        return s.Matrix(rows)

    def rows(self, *items):
        return tuple(item for item in items if isinstance(item, tuple))

    def row(self, *items):
        return tuple(item for item in items if isinstance(item, s.Node))



_POSITIONED = frozenset({"chain", "continued", "braced"})


def _span(tree: Tree) -> tuple[int, int]:
    """Where a rule's source text starts and ends: its first token's start, its last token's end
    (every token but "_", "^" and "/" is kept in the tree, and none of those ends a rule)."""
    return _edge(tree, 0).start_pos, _edge(tree, -1).end_pos


def _edge(tree: Tree, end: int) -> Token:
    """The first (end 0) or last (end -1) token under a node, past empty optional parts."""
    stack = [_from(tree.children, end)]          # down one edge: a node's other children are never met
    while stack:
        node = next(stack[-1], _DONE)
        if node is _DONE:
            stack.pop()
        elif isinstance(node, Token):
            return node
        elif isinstance(node, Tree):
            stack.append(_from(node.children, end))
    raise ValueError("a rule without tokens has no span")


_DONE = object()


def _from(children: list, end: int):
    return iter(children) if end == 0 else reversed(children)


def _side(chain) -> s.Node:
    """Inside parentheses or a fraction a relation is unusual; keep the chain so it is reported."""
    if isinstance(chain, s.Chain) and len(chain.sides) == 1:
        return chain.sides[0]
    return chain


def _join(a: s.Script | None, b: s.Script | None) -> s.Script | None:
    if a is None or b is None:
        return a or b
    return s.Script(a.text + b.text, None)


def _single(group) -> s.Script:
    """A script without braces: one letter, digit, Greek letter, sign or \\top."""
    if isinstance(group, s.Script):
        return group
    text = str(group)
    if group.type == "DIGIT":
        return s.Script(text, s.Num(text))
    if group.type in ("NAME_CHAR", "GREEK"):
        return s.Script(text, s.Sym(text))
    return s.Script("T" if group.type == "TOP" else text, None)


_DEFINES = re.compile(r"^(?::\s*=|\\coloneqq|\\colon\s*=)$")    # a : = b, \coloneqq: the definition's :=
_AT_MOST = ("\\le", "\\leq")
_SIDES = re.compile(r"\\leq?(?![a-zA-Z])|<")


def _between(sub: s.Script) -> tuple[s.Script, s.Script | None]:
    """Σ_{1 ≤ k ≤ B} (Σ_{0 ≤ k < N}) as Σ_{k=1}^{B} (Σ_{k=0}^{N-1}): the range written as bounds on its letter."""
    chain = sub.node
    if not (isinstance(chain, s.Chain) and len(chain.sides) == 3 and all(r in _AT_MOST + ("<",) for r in chain.relations)
            and isinstance(chain.sides[1], s.Sym) and not chain.sides[1].font):
        return sub, None
    parts = [part.strip() for part in _SIDES.split(chain.text)]
    if len(parts) != 3:
        return sub, None
    (low, letter, high), (first, second) = parts, chain.relations
    low_node, high_node = chain.sides[0], chain.sides[2]
    if first == "<":
        low, low_node = f"{low}+1", s.BinOp("+", low_node, s.Num("1"))
    if second == "<":
        high, high_node = f"{high}-1", s.BinOp("-", high_node, s.Num("1"))
    start = s.Chain((chain.sides[1], low_node), ("=",), False, f"{letter}={low}", chain.offset, (0,))
    return s.Script(f"{letter}={low}".replace(" ", ""), start), s.Script(high.replace(" ", ""), high_node)
