"""g_1 = W_{zh} h_{t-1}, g_2 = W_{zx} x_t, …, g_12: a post that breaks a cell into numbered steps of its own
names them by a letter and a number. Where such a letter is defined at three numbers or more, one of them past the
sequence's last step, its numbers count the post's stages, not time steps (g_3 is not the candidate at step 3):
each is the post's own name, read through its definition."""

from __future__ import annotations

import re

from .. import syntax as s
from .names import OWN_NAME
from .post_facts import macro_key

MIN_STAGES = 3


def numbered_stages(judge, found) -> set[tuple[int, str]]:
    """Bind each stage name the post defines to its definition; the (line, text) of those definitions."""
    numbers: dict[str, set[int]] = {}
    for _, chain, _ in found:
        letter, number = _numbered(chain)
        if letter is not None:
            numbers.setdefault(letter, set()).add(number)
    steps = len(judge.world.steps)
    stages = {letter for letter, seen in numbers.items() if len(seen) >= MIN_STAGES and max(seen) > steps}
    defined = set()
    for _, chain, line in found:
        letter, _ = _numbered(chain)
        if letter in stages:
            key = macro_key(chain.sides[0])
            judge.post.aliases[key] = OWN_NAME
            judge.post.macros.setdefault(key, chain.sides[-1])
            defined.add((line, chain.text))
    return defined


def _numbered(chain: s.Chain) -> tuple[str | None, int]:
    """(g, 3) for a definition g_3 = …; (None, 0) for any other chain."""
    left = chain.sides[0]
    if len(chain.sides) != 2 or not isinstance(left, s.Scripted) or left.sup is not None or left.sub is None or \
            not isinstance(left.base, s.Sym) or left.base.font or not re.fullmatch(r"\{?\d{1,2}\}?", left.sub.text):
        return None, 0
    return left.base.text, int(left.sub.text.strip("{}"))
