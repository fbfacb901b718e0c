"""What a post says its σ is, in words: the logistic function (most posts), or its activation, tanh or ReLU."""

from __future__ import annotations

import re

# a line that says its σ is an activation that may be tanh or ReLU (其中激活函数σ可以是tanh或者ReLU; where σ is an
# activation such as tanh) and does not call it the sigmoid: the post's σ is the state's activation
SIGMA_IS_ACTIVATION = re.compile(r"\\sigma(?![A-Za-z])[^.;。=]{0,40}?(?:(?<![A-Za-z])(?:can be|could be|may be|is|such as|"
                                 r"e\.g\.|like)(?![A-Za-z])|可以是|可为|是|为|如)[^.;。=]{0,30}?(?<![A-Za-z\\])(?:tanh|ReLU)"
                                 r"(?![A-Za-z])", re.IGNORECASE)
SIGMOID = re.compile(r"sigmoid|logistic|\\frac\s*\{\s*1\s*\}\s*\{\s*1\s*\+\s*e|1\s*/\s*\(\s*1\s*\+", re.IGNORECASE)


def sigma_is_activation(lines: list[str]) -> bool:
    """Whether a line of the post says its σ is an activation such as tanh, and does not call it the sigmoid."""
    return any(SIGMA_IS_ACTIVATION.search(text) and not SIGMOID.search(text) for text in lines)


def sigma_said(lines: list[str]) -> str:
    """σ as the post's words make it: "logistic" (said nothing, or the sigmoid), "tanh", or "unknown" (ReLU, or
    either)."""
    said = {word for text in lines if SIGMA_IS_ACTIVATION.search(text) and not SIGMOID.search(text)
            for word in ("tanh", "relu") if word in text.lower()}
    return "logistic" if not said else "tanh" if said == {"tanh"} else "unknown"
