"""A verify report as an HTML table, for a notebook: one row per claim with ✓, ✗ or ?, its line, the
claim as math (the notebook's MathJax typesets it) and why."""

from __future__ import annotations

from html import escape

MARKS = {"ok": ("✓", "#1a7f37"), "wrong": ("✗", "#cf222e"), "unchecked": ("?", "#9a6700")}


def report_html(report) -> str:
    if not report.claims:
        return "<p>derive verify: no claims found</p>"
    rows = []
    for claim in report.claims:
        mark, colour = MARKS[claim.verdict]
        reason = claim.reason or ""
        if claim.expected is not None and "expected" not in reason:
            reason = f"expected {claim.expected}; {reason}" if reason else f"expected {claim.expected}"
        rows.append(f'<tr><td style="color:{colour};font-weight:bold" title="{claim.verdict}">{mark}</td>'
                    f"<td>{claim.line}</td><td>\\({escape(claim.text)}\\)</td><td>{escape(reason)}</td></tr>")
    summary = report.summary
    caption = (f"derive verify: {summary['ok']} right, {summary['wrong']} wrong, {summary['unchecked']} "
               f"unchecked ({escape(report.notation)} notation)")
    return (f'<table class="derive-verify"><caption>{caption}</caption>'
            "<thead><tr><th></th><th>line</th><th>claim</th><th>why</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
