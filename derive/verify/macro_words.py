"""A post's own LaTeX macros, defined in a file the post does not include (\\queryMatrix, \\lossFunction,
\\valueWeightMatrix), read by the words of their names: the usual letter for the role those words say.

Only a camel-case macro (a lowercase word, then capitalized ones) is read so, and only when its words
name one role: no TeX or package command is written that way (\\mathbf, \\operatorname, \\Delta,
\\leftarrow), and a macro whose words say nothing known is left as it is, to stop the reading."""

from __future__ import annotations

import re

_CAMEL = re.compile(r"\\([a-z]+(?:[A-Z][a-z]*)+)(?![A-Za-z])")
_WORD = re.compile(r"[A-Z]?[a-z]+")

# the role a word names, and the letter posts write for it
ROLES = {"query": "Q", "key": "K", "value": "V", "input": "X", "output": "O", "attention": "A",
         "logits": "S", "logit": "S", "score": "S", "scores": "S", "loss": "L", "cost": "L", "objective": "L"}
# words that say what kind of thing it is, and add no role
KINDS = {"matrix", "vector", "tensor", "function", "value", "values"}


# functions a post's macros name, which TeX has no command for: \softmax(x) is \operatorname{softmax}(x)
FUNCTIONS = ("softmax", "sigmoid", "relu", "ReLU", "diag", "sign", "argmax", "argmin", "tr", "gelu", "GELU")
_FUNCTION = re.compile(rf"\\({'|'.join(FUNCTIONS)})(?![A-Za-z])")


def named_by_words(text: str) -> str:
    """\\queryMatrix -> Q, \\queryWeightMatrix -> W_{q}, \\lossFunction -> L, \\softmax -> softmax."""
    return _FUNCTION.sub(r"\\operatorname{\1}", _CAMEL.sub(_letter, text))


def _letter(match: re.Match) -> str:
    words = [word.lower() for word in _WORD.findall(match.group(1))]
    weight = "weight" in words or "weights" in words
    roles = {ROLES[word] for word in words if word in ROLES and not (word.startswith("value") and
                                                                        words.index(word) > 0)}
    if len(roles) != 1 or any(w not in ROLES and w not in KINDS and w not in ("weight", "weights") for w in words):
        return match.group(0)
    role = roles.pop()
    if weight:
        return f"W_{{{role.lower()}}} " if role in "QKVO" else match.group(0)
    return f"{role} "
