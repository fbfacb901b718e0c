"""A post that writes one letter under two layers' labels (W^l and W^{l+1}, a^{l-1} and a^l) names another
tensor by each. Where a forward equation of the layer holds with each of its labelled letters read as the
layer's own tensor (z^{l+1} = a^l * W^{l+1} + b), those labels are the layer's for the post: W^{l+1} its
kernel, a^l its input. The letter's other labels stay another layer's, not read. And the letters that name a
layer's quantity (δ^l, δ^{out}, δ_j = ∂C/∂z_j), whose δ_{12} is the error's entry, not Kronecker's."""

from __future__ import annotations

from .. import syntax as s
from .evaluate import derivative_parts
from .names import KRONECKER, Names, is_label, is_loss_name, is_side, label_text
from .post_names import written_name

MAX_TRIED = 40          # forward equations tried, at most


def layer_labels(judge, chains: list[s.Chain], holds) -> None:
    """Fix, from the first equation that `holds` so read, the label of each letter the post writes under
    several (names.layer_labels)."""
    names = judge.names
    if not names.relabelled:
        return
    tried = 0
    for chain in chains:
        written = _labelled(chain, names.relabelled)
        if len(chain.sides) != 2 or chain.relations[0] != "=" or not written or \
                any(names.layer_labels.get(text, label) != label for text, label in written.items()):
            continue
        tried += 1
        if tried > MAX_TRIED:
            return
        held = dict(names.layer_labels)
        names.layer_labels.update(written)
        if not holds(chain):
            names.layer_labels = held
        elif set(names.layer_labels) >= set(names.relabelled):
            return


def _labelled(chain: s.Chain, relabelled: dict) -> dict[str, str] | None:
    """letter -> label for each of the chain's letters written under several labels; None where one letter
    is written under two labels in this chain itself."""
    found: dict[str, str] = {}
    for node in s.nodes(chain):
        if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.base.text in relabelled and \
                node.sup is not None and is_label(node.sup.text):
            label = node.sup.text.strip("[](){} ")
            if found.setdefault(node.base.text, label) != label:
                return None
    return found


def relabelled(names: Names, chains: list[s.Chain]) -> None:
    """Letters under more than one layer's label (x^l = Σ w o^{l-1}, o^l = f(x^l)) name a tensor each; letters
    under a label or a side (δ^l, δ^{out}), or set to a derivative (δ_j = ∂C/∂z_j), a layer's (δ_{12} its entry)."""
    labels: dict[str, set[str]] = {}
    quantities = {written_name(c.sides[0])[0] for c in chains if len(c.sides) > 1 and _of_another(c.sides[1], names)
                  and written_name(c.sides[0]) is not None}
    for node in (node for chain in chains for node in s.nodes(chain)):
        if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sup is not None:
            if is_label(node.sup.text):
                labels.setdefault(node.base.text, set()).add(node.sup.text.strip("[](){} "))
            elif is_side(node.sup.text):
                quantities.add(node.base.text)
    names.relabelled = {text: tuple(sorted(found)) for text, found in labels.items() if len(found) > 1}
    names.letter_labels = labels
    names.labelled = set(labels) | quantities


def of_the_loss(side) -> bool:
    """∂L/∂z_j, ∂E_{total}/∂x, ∂L_{CE}/∂k: a derivative of the loss (δ_j = ∂C/∂z_j names the error; δ_{ij} =
    ∂x_i/∂x_j is Kronecker's)."""
    parts = derivative_parts(side) if isinstance(side, s.Frac) else None
    top = parts[0] if parts is not None else None
    top = top.base if isinstance(top, s.Scripted) else top
    return isinstance(top, s.Sym) and is_loss_name(top.text, top.font)


def of_a_tensor(side, names: Names) -> bool:
    """∂x_{11}/∂x_{21}, ∂μ_1/∂x_{21}: a derivative of one of the layer's own tensors, not of the loss."""
    parts = derivative_parts(side) if isinstance(side, s.Frac) else None
    if parts is None or parts[0] is None or of_the_loss(side):
        return False
    found = [written_name(node) for node in s.nodes(parts[0]) if isinstance(node, (s.Sym, s.Scripted))]
    return any(name is not None and names.role(name[0], name[1]) is not None for name in found) and \
        not any(name is not None and is_loss_name(name[0], name[1]) for name in found)


def _of_another(side, names: Names) -> bool:
    """∂L/∂z_j, ∂H/∂z_j (a loss by the post's own name): a derivative, and not one of a tensor of the layer's."""
    return isinstance(side, s.Frac) and derivative_parts(side) is not None and not of_a_tensor(side, names)


def error_letters(names: Names, chains: list[s.Chain]) -> None:
    """δ^l = ∂C/∂z^l, ∂C/∂z^l = δ^l, δ_j = ∂C/∂z_j: the error is the loss's gradient at the letter it is defined
    by, under the same label (δ^{l+1} then names ∂C/∂z^{l+1}, this layer's where z^{l+1} is)."""
    for chain in chains:
        named = [_labelled_name(side) for side in chain.sides]
        errors = [name for name in named if name is not None and name[0] == KRONECKER]
        for side in chain.sides:
            parts = derivative_parts(side) if isinstance(side, s.Frac) and of_the_loss(side) else None
            by = _labelled_name(parts[1]) if parts is not None else None
            if by is not None and by[0] != KRONECKER and any(by[1:] == error[1:] for error in errors):
                names.error_letter = names.error_letter or by[0]
                return


def _labelled_name(node) -> tuple[str, str | None, str | None] | None:
    """(letter, label, subscript) of z, z^l, z^{(l)}_j; None for anything else."""
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    if isinstance(node, s.Sym) and not node.font:
        return node.text, None, None
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and not node.base.font and not node.primes \
            and (node.sup is None or is_label(node.sup.text)):
        return node.base.text, label_text(node.sup.text) if node.sup else None, \
            node.sub.text.strip("{} ") if node.sub else None
    return None
