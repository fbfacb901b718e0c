"""A post that works unit stride first ("With unit stride, …", "Assuming stride 1 for a while", "$S=1$") and the
strided layer after ("With stride $S$", "consider a stride $s > 1$"): the claims in between are about a
layer of stride 1, not the spec's strided one. A slip found there against the spec's stride is no slip:
such a claim is unchecked. Its claims that hold at the spec's stride too stay as they are."""

from __future__ import annotations

import re
from dataclasses import replace

from ..claims import Claim

_UNIT = re.compile(r"(?<!non-)(?<!non )\b(?:unit|unitary)\s+stride|\bstride\s*(?:of\s*|is\s*|=\s*)?\$?\s*"
                   r"(?:[sS]\s*=\s*)?1\b(?![.,]\d)|(?-i:(?<![A-Za-z\\])S\s*=\s*1(?![\d.]))", re.IGNORECASE)
_STRIDED = re.compile(r"\bstride\s*(?:of\s*|is\s*|=\s*)?\$?\s*(?:(?-i:[sS])\b(?!\s*=\s*1\b)|[2-9]\b)|\bstrided\b|"
                      r"\bnon-?\s?unit\s+stride|\bstride\s+(?:is\s+)?(?:greater|larger|bigger)\s+than\s+1\b|"
                      r"(?-i:(?<![A-Za-z\\])S\s*=\s*[2-9])", re.IGNORECASE)
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]{1,300}`", re.S)     # what code says is no part of the prose


def at_unit_stride(claims: list[Claim], text: str, model) -> list[Claim]:
    """The wrong claims written where the post says it works at unit stride, unchecked, where the layer's
    stride is more than 1."""
    stride = model.attributes.get("stride", 1)
    stride = max(stride) if isinstance(stride, (list, tuple)) and stride else stride
    if not isinstance(stride, int) or stride <= 1:
        return claims
    text = _CODE.sub(lambda m: " " * len(m.group(0)), text)
    spans, start = [], None
    for found in sorted([(m.start(), True) for m in _UNIT.finditer(text)] +
                        [(m.start(), False) for m in _STRIDED.finditer(text)]):
        offset, unit = found
        if unit and start is None:
            start = offset
        elif not unit and start is not None:
            spans.append((start, offset))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    why = f"not checked: the post works this part at unit stride; the layer's stride is {stride}"
    return [replace(c, verdict="unchecked", expected=None, link=None, reason=why)
            if c.verdict == "wrong" and any(a <= c.start < b for a, b in spans) else c for c in claims]
