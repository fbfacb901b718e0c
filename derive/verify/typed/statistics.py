"""E[x] and Var[x], as the batch-norm paper writes its statistics: the mean and the (biased) variance of what
the brackets hold, over the entries the normalization's statistics run over (a feature's batch for batch
norm, a sample's features for layer norm)."""

from __future__ import annotations

import re

import sympy as sp

from .. import syntax as s
from ..values import Verdict
from .lookup import Unread, View

_INDEX = re.compile(r"^\{?[a-z]\}?$")         # x_i, x_{k}: an entry's index letter
EXPECTATION_FONTS = ("", "mathbb", "mathrm", "operatorname", "mathbf")
VARIANCE_FONTS = ("mathrm", "operatorname", "text", "textrm")


CHOSEN = ("not checked: the post sets a learnable parameter to a statistic of the data (γ = √Var[x], β = E[x], "
          "as the paper does to show the identity is in reach): a choice of its own, not the layer's value")


def statistic_of(node: s.Node, after: s.Node | None) -> str | None:
    """"mean" for E[…] (𝔼[…]), "variance" for Var[…] or Var(…); None for anything else. E_B[μ_B], over the
    mini-batches, is the population's statistic, which one batch does not give: not read."""
    if not isinstance(after, s.Paren):
        return None
    if isinstance(node, s.Scripted) and node.sub is not None and node.base == s.Sym("E") and after.kind == "[":
        raise Unread("an expectation over the mini-batches (E_B[…]): the population's statistics, which one "
                     "batch does not give, are not read")
    if not isinstance(node, s.Sym):
        return None
    if node.text == "E" and node.font in EXPECTATION_FONTS and after.kind == "[":
        return "mean"
    if node.text in ("Var", "var") and node.font in VARIANCE_FONTS and after.kind in ("[", "("):
        return "variance"
    return None


def statistic(evaluator, which: str, argument: s.Node, view: View) -> sp.Expr:
    """The mean or the variance of `argument`, read at each entry of the view's group in turn (inside Σ_i, the
    unindexed x of E[x] is every entry, not x_i)."""
    if any(isinstance(n, s.Scripted) and n.sub is not None and _INDEX.match(n.sub.text) for n in s.nodes(argument)):
        raise Unread("an expectation of an indexed entry (E[x_i]) is not read")
    used = set(evaluator.used)
    values = [evaluator.side(argument, View(view.indices, k, view.group, view.base, (), (), view.lows))
              for k in range(evaluator.group_size)]
    evaluator.used = used | (evaluator.used - {"•"})      # the entries it runs over are no free index
    mean = sum(values, sp.Integer(0)) / evaluator.group_size
    if which == "mean":
        return mean
    return sum(((value - mean) ** 2 for value in values), sp.Integer(0)) / evaluator.group_size


def chosen_parameter(chain: s.Chain, names) -> Verdict | None:
    """γ = √Var[x], β = E[x]: a scale or shift set to a statistic of the data, unchecked; None otherwise."""
    left = chain.sides[0]
    base = left.base if isinstance(left, s.Scripted) else left
    if len(chain.sides) != 2 or not isinstance(base, s.Sym) or base.text not in ("\\gamma", "\\beta") or \
            names.role(base.text, base.font) not in ("scale", "shift"):
        return None
    juxtaposed = [n.items for n in s.nodes(chain.sides[1]) if isinstance(n, s.Juxt)]
    if any(_named_statistic(a, b) for items in juxtaposed for a, b in zip(items, items[1:])):
        return Verdict("unchecked", None, CHOSEN)
    return None


def stated_with_statistics(chain: s.Chain, names) -> bool:
    """μ = E[x], σ² = Var[x], γ = √Var[x]: a statistic or a parameter stated by E and Var, a claim, never the
    post naming a tensor of its own (which would bind μ to whatever E[y] is)."""
    left = chain.sides[0]
    base = left.base if isinstance(left, s.Scripted) else left
    if len(chain.sides) != 2 or not isinstance(base, s.Sym) or \
            names.role(base.text, base.font) not in ("scale", "shift", "mean", "variance", "deviation"):
        return False
    juxtaposed = [n.items for n in s.nodes(chain.sides[1]) if isinstance(n, s.Juxt)]
    return any(_named_statistic(a, b) for items in juxtaposed for a, b in zip(items, items[1:]))


def _named_statistic(node: s.Node, after: s.Node) -> bool:
    try:
        return statistic_of(node, after) is not None
    except Unread:
        return True
