"""A verify report as GitHub Actions workflow commands: an error annotation on each wrong claim's line,
a warning on each unchecked one, and a summary line.

The escapes are those GitHub's own toolkit applies (@actions/core, command.ts): in the message
% CR LF; in a property also : and , which would end the property.
"""

from __future__ import annotations

from .claims import Claim, Report, shorten

TITLE = "derive verify"
COMMANDS = {"wrong": "error", "unchecked": "warning"}


def workflow_commands(reports: list[tuple[str, Report]]) -> str:
    """One command per wrong or unchecked claim of each (document name, report), then the totals; a
    name of "" is a claim given on the command line."""
    lines = []
    for name, report in reports:
        for claim in report.claims:
            if claim.verdict in COMMANDS:
                where = f"file={_property(name)}," if name else ""     # no file: a claim given on the command line
                lines.append(f"::{COMMANDS[claim.verdict]} {where}line={claim.line},"
                             f"title={_property(TITLE)}::{_data(message(claim))}")
    totals = {verdict: sum(report.summary[verdict] for _, report in reports) for verdict in ("ok", "wrong", "unchecked")}
    where = (reports[0][0] or "the claim") if len(reports) == 1 else f"{len(reports)} documents"
    lines.append(f"{TITLE}: {totals['ok']} right, {totals['wrong']} wrong, {totals['unchecked']} unchecked in {where}")
    return "\n".join(lines) + "\n"


def message(claim: Claim) -> str:
    """The claim, shortened, and why it is wrong or unchecked (with the right value when there is one)."""
    reason = claim.reason or ""
    if claim.expected is not None and "expected" not in reason:
        reason = f"expected {claim.expected}; {reason}" if reason else f"expected {claim.expected}"
    return f"{shorten(claim.text, 80)}: {reason}" if reason else shorten(claim.text, 80)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
