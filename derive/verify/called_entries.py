"""An entry of a tensor written as a call, Y(i, j, k) or W(i - i', j - j', k_{in}, k), as Goodfellow et al. write a
convolution (Σ_m Σ_n I(m, n) K(i - m, j - n)): the entry Y_{i, j, k}. Only a capital letter's call with two
or more arguments that are index expressions (index letters, a-d, i-v, primed or subscripted, numbers, sums and products of
them) is one; f(x, y), L(y, \\hat{y}) and σ(z) stay calls. Text in, text out."""

from __future__ import annotations

import re

_PRIMES = r"(?:'|\^\s*\{\s*(?:'|\\prime\s*)+\}|\^\s*\\prime(?![A-Za-z]))*"                  # i', i^{'}, i^{\prime}
_TERM = rf"(?:[a-dijklmnpqrstuv]{_PRIMES}(?:_\{{[a-z0-9]+\}}|_[a-z0-9])?|[a-z]_\{{?[a-z0-9]+\}}?|[0-9]+)"
_ARGUMENT = rf"\s*{_TERM}(?:\s*(?:[-+*]|\\times|\\cdot)\s*{_TERM})*\s*"
_CALLED = re.compile(rf"(?<![\\A-Za-z])([A-Z])\s*\(({_ARGUMENT}(?:,{_ARGUMENT})+)\)")


def called_entries(text: str) -> str:
    return _CALLED.sub(lambda m: f"{m.group(1)}_{{{m.group(2).strip()}}}", text)
