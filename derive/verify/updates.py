"""Updates as posts write them, and figures restated after the update.

W -= \\alpha dJ/dW, W := W - \\alpha dJ/dW and w = w - \\eta g all claim the value after the step;
so does `\\hat{y}_1 = 0.5199` written after the update, when it is the output the network gives
after the step and not before: posts run the forward pass again to show the loss went down.
"""

from __future__ import annotations

from decimal import Decimal

from . import syntax as s
from .modifiers import split_modifier
from .post_point import numbers_only
from .vocabulary import key
from .written import written_names


def in_place(chain: s.Chain, rate: Decimal | None = None) -> s.Chain:
    """W -= \\alpha dJ/dW, as code writes an update, is the claim W^+ = W - \\alpha dJ/dW; so is
    W := W - \\alpha dJ/dW (or \\leftarrow, \\gets), where the name on the left is also on the right;
    and so is w = w - \\eta g, or w_1 = 0.001 - 0.00001 \\cdot 226.5 with the spec's learning rate;
    and w_2 \\to -0.861, a name going to its new figure."""
    if chain.relations in (("\\to",), ("\\rightarrow",)) and len(chain.sides) == 2 and key(chain.sides[0]) \
            and _figure(chain.sides[1]):
        return s.Chain((after(chain.sides[0]), chain.sides[1]), ("=",), chain.continued, chain.text, chain.offset)
    if chain.relations[:1] == (":=",) and len(chain.sides) >= 2:
        target, step = chain.sides[:2]
        if key(target) is None or key(target) not in written_names(step):
            return chain                                  # z := W x + b defines z
        return s.Chain((after(target),) + chain.sides[1:], ("=",) + chain.relations[1:], chain.continued,
                       chain.text, chain.offset)
    if chain.relations[:1] == ("=",) and len(chain.sides) >= 2 and is_step(*chain.sides[:2], rate):
        return s.Chain((after(chain.sides[0]),) + chain.sides[1:], chain.relations, chain.continued,
                       chain.text, chain.offset)
    if len(chain.sides) != 2 or chain.relations != ("-=",):
        return chain
    target, step = chain.sides
    return s.Chain((after(target), s.BinOp("-", target, step)), ("=",), chain.continued, chain.text, chain.offset)


def is_step(target: s.Node, step: s.Node, rate: Decimal | None) -> bool:
    """w - \\eta g with the target's own name first, or a figure minus the learning rate times one."""
    if key(target) is None or not isinstance(step, s.BinOp) or step.op not in ("+", "-"):
        return False
    if isinstance(target, s.Scripted) and (split_modifier(target)[1] == "updated" or target.primes):
        return False                    # w^{+} = ...: already the value after the step
    if key(step.left) is not None and key(step.left) == key(target):
        return True
    return rate is not None and isinstance(step.left, (s.Num, s.Neg)) and \
        any(isinstance(x, s.Num) and Decimal(x.text) == rate for x in s.factors(step.right))


def after(target: s.Node) -> s.Node:
    """The name of the value after the update: w_5 -> w_5^{+}."""
    if isinstance(target, s.Scripted):
        sup = (target.sup.text if target.sup else "") + "+"
        return s.Scripted(target.base, target.sub, s.Script(sup, None), target.primes)
    return s.Scripted(target, None, s.Script("+", None), 0)


def is_after_step(chain: s.Chain) -> bool:
    """A claim about a value after the step: w_5^{+} = ..., w_1' = ..."""
    head = chain.sides[0] if chain.sides else None
    return isinstance(head, s.Scripted) and (split_modifier(head)[1] == "updated" or head.primes > 0)


def restated(chain: s.Chain) -> s.Chain | None:
    """`name = figure` (or a matrix of figures, or arithmetic of figures: `W_3 \\leftarrow 1.2 - 0.01
    \\times (-2.652) = 1.227`) as the claim about the name's value after the step, or None for any
    other claim."""
    head = chain.sides[0] if chain.sides else None
    if key(head) is None or is_after_step(chain) or len(chain.sides) < 2:
        return None
    if not all(_figure(side) or isinstance(side, s.Matrix) and all(_figure(e) for row in side.rows for e in row)
               or numbers_only(side) for side in chain.sides[1:]):
        return None
    return s.Chain((after(head),) + chain.sides[1:], chain.relations, chain.continued, chain.text, chain.offset)


def _figure(node: s.Node) -> bool:
    return isinstance(node, s.Num) or isinstance(node, s.Neg) and isinstance(node.arg, s.Num)


def applied(chain: s.Chain) -> s.Chain:
    """\\sigma = \\frac{1}{1+e^{-z^{[2]}}}: a function named on the left of its own definition, in the one
    name the definition uses, is the function of that name (\\sigma(z^{[2]}) = ...)."""
    head = chain.sides[0] if chain.sides else None
    if not isinstance(head, s.Func) or len(chain.sides) < 2 or chain.relations[0] != "=":
        return chain
    names = {}
    for side in chain.sides[1:]:
        names.update({key(node): node for node in _named_nodes(side)})
    if len(names) != 1:
        return chain
    argument = next(iter(names.values()))
    return s.Chain((s.Juxt((head, s.Paren(argument, "("))),) + chain.sides[1:], chain.relations, chain.continued,
                   chain.text, chain.offset)


def _named_nodes(node: s.Node) -> list[s.Node]:
    """The names a formula writes, as nodes (a_j whole)."""
    if isinstance(node, s.Scripted) and node.base == s.Sym("e"):      # e^{-x}: the power's names
        return _named_nodes(node.sup.node) if node.sup is not None and node.sup.node is not None else []
    if isinstance(node, (s.Sym, s.Scripted)) and key(node):
        return [node] if not (isinstance(node, s.Sym) and node.text == "e") else []
    found = []
    for field in s.node_fields(node):
        value = getattr(node, field)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, s.Node):
                found.extend(_named_nodes(item))
            elif isinstance(item, s.Script) and item.node is not None:
                found.extend(_named_nodes(item.node))
    return found
