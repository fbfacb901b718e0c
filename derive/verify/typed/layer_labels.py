"""A post that writes one letter under two layers' labels (W^l and W^{l+1}, a^{l-1} and a^l) names another
tensor by each. Where a forward equation of the layer holds with each of its labelled letters read as the
layer's own tensor (z^{l+1} = a^l * W^{l+1} + b), those labels are the layer's for the post: W^{l+1} its
kernel, a^l its input. The letter's other labels stay another layer's, not read."""

from __future__ import annotations

from .. import syntax as s
from .names import is_label

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
