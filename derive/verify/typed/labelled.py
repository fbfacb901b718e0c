"""A letter written under a layer's label (W^{l+1}, a^{(2)}), read as this layer's tensor only where the
post's labels make it so; the same rule for a claim read entry by entry (evaluate.py) and in whole tensors
(arrays.py)."""

from __future__ import annotations

from .lookup import Unread
from .names import Names, label_text


def check_label(names: Names, text: str, sup: str, layer: int | None, kind: str) -> None:
    """Unread where the letter under this label is not this layer's tensor: one the post writes under several
    labels, under another than the one its forward makes this layer's; a numbered layer not the spec's."""
    if text in names.relabelled and names.layer_labels.get(text) != label_text(sup):
        raise Unread(f"{text}^{{{sup}}}: the post writes {text} for the tensors of layers "
                     f"{', '.join(names.relabelled[text])}, which one name is not read as")
    number = sup.strip("[]()")
    if number.isdigit() and layer is not None and int(number) != layer:
        raise Unread(f"layer {number} is not the {kind} layer (layer {layer}) this post's claims are read on")
