"""derive verify: a hand-written derivation checked claim by claim against the spec's own.

    >>> import derive
    >>> report = derive.verify(derive.derive(derive.load("mazur")), open("post.md").read(), "post.md")
    >>> report.summary
    {'ok': 41, 'wrong': 2, 'unchecked': 0}
"""

from __future__ import annotations

from .document import Checker, Claim, Report, verify_claim, verify_text

__all__ = ["Checker", "Claim", "Report", "verify", "verify_claim", "verify_text"]


def verify(result, text: str, name: str = "", notation: str | None = None,
           aliases: dict[str, str] | None = None) -> Report:
    """Check every claim in `text` (Markdown, or LaTeX when `name` ends in .tex) against `result`."""
    return verify_text(Checker(result, aliases), text, name, notation)
