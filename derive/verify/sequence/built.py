"""A value code builds over several lines, as one claim: `dy = np.copy(ps[t])` then `dy[targets[t]] -= 1`
(the softmax cross-entropy's gradient, p - y), `dscores[range(N), y] -= 1` then `dscores /= N`. The first
line alone claims nothing; the value after the last step is the claim, judged at that step's line.

Only steps whose meaning is plain are followed: subtracting 1 at the target's entry of each row (an index
whose last part names the target), and +=, -=, *=, /= of a whole value. Any other step stops the reading,
and the lines stay unread."""

from __future__ import annotations

import re

from .. import syntax as s
from ..code_regions import code_name, code_text
from ..reader import ReadError, read

MAX_STEPS = 40          # lines below the first where its value may go on being built
_STEP = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[(.*)\])?\s*([-+*/])=\s*(.+?)\s*$")
_ROWS = re.compile(r"^(?::|0|(?:np\.)?(?:arange|range)\(\s*\w+\s*\))$")     # every row, or the only one
TARGET = s.Sym("targets")           # the one-hot target, as names.py reads it


def built(lines: list[str], line: int, chain: s.Chain) -> tuple[s.Chain, int] | None:
    """(name = its value after the steps below, the last step's line), or None where a step is not followed."""
    name = code_name(chain.text.split("=", 1)[0].strip())
    value, last = _first_value(lines, line, chain), None
    used, assigned = [], []             # (line, names) a step reads; (line, name) each other assignment
    for number in range(line + 1, min(len(lines), line + MAX_STEPS) + 1):
        text = lines[number - 1].split("#", 1)[0]
        if not text.strip():
            continue
        step = _STEP.match(text)
        other = re.match(r"\s*([A-Za-z_]\w*)\s*[-+*/]?=(?!=)", text)
        if other and other.group(1) != name:
            assigned.append((number, other.group(1)))
        if re.match(rf"\s*{re.escape(name)}\s*=(?!=)", text) or text.lstrip().startswith(("def ", "class ", "return ")):
            break                                     # assigned again, or the code goes elsewhere
        if step is None or step.group(1) != name:
            if re.match(rf"\s*{re.escape(name)}\s*\[.*\]\s*[-+*/]?=(?!=)", text):
                return None                           # changed in a way not followed: dx[x <= 0] = 0
            if re.search(rf"\b{re.escape(name)}\b", text):
                break                                 # used: built by now
            continue
        value = _stepped(value, step, _as_at(lines, number, step.group(4)))
        if value is None:
            return None
        used.append((number, set(re.findall(r"[A-Za-z_]\w*", step.group(2) or "") +
                                 re.findall(r"[A-Za-z_]\w*", step.group(4))) - _reassigned(lines)))
        last = number
    if last is None or any(at > step_line and at <= last and changed in names
                           for step_line, names in used for at, changed in assigned):
        return None                     # a name a step reads is assigned again before the last step
    return s.Chain((chain.sides[0], value), ("=",), False, f"{chain.text}, then built up to line {last}",
                   chain.offset), last


def _first_value(lines: list[str], line: int, chain: s.Chain) -> s.Node:
    """The first line's value, with its names as they are at that line (dx = np.dot(dt, Wx.T): that dt)."""
    written = lines[line - 1].split("#", 1)[0]
    found = _ASSIGNED.match(written)
    if found is None:
        return chain.sides[-1]
    right = written.split("=", 1)[1].strip()
    expanded = _as_at(lines, line, right)
    try:
        rows = read(code_text(expanded)) if expanded != right else []
    except ReadError:
        return chain.sides[-1]
    return rows[0].chain.sides[0] if len(rows) == 1 and rows[0].chain is not None and \
        len(rows[0].chain.sides) == 1 else chain.sides[-1]


def _reassigned(lines: list[str]) -> set[str]:
    """The names the code assigns more than once (dt = …, then dt = … again)."""
    counts: dict[str, int] = {}
    for text in lines:
        found = _ASSIGNED.match(text.split("#", 1)[0])
        if found:
            counts[found.group(1)] = counts.get(found.group(1), 0) + 1
    return {name for name, count in counts.items() if count > 1}


_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)")


def _as_at(lines: list[str], number: int, text: str, depth: int = 0) -> str:
    """A step's operand with each name the code assigns more than once written as its value at that step's
    line (dh_prev += np.dot(dt, Whz.T) with dt = dz * z * (1-z) just above: that dt, not a later one)."""
    again = _reassigned(lines)
    for name in sorted(set(re.findall(r"[A-Za-z_]\w*", text)) & again):
        before = [k for k in range(number - 1, 0, -1) if (m := _ASSIGNED.match(lines[k - 1].split("#", 1)[0]))
                  and m.group(1) == name]
        if not before:
            continue
        value = lines[before[0] - 1].split("#", 1)[0].split("=", 1)[1].strip()
        if depth < 3:
            value = _as_at(lines, before[0], value, depth + 1)
        text = re.sub(rf"(?<![\w.]){re.escape(name)}(?!\w)", lambda _: f"({value})", text)
    return text


def _stepped(value: s.Node, step: re.Match, operand: str) -> s.Node | None:
    index, operator = step.group(2), step.group(3)
    if index is not None:                             # dy[targets[t]] -= 1, dscores[range(N), y] -= 1
        parts = [part.strip() for part in _split(index)]
        if operator != "-" or operand.rstrip(".0") != "1" or re.fullmatch(r"[\d.]+", parts[-1]) or \
                not all(_ROWS.match(part) for part in parts[:-1]):
            return None
        return s.BinOp("-", s.Paren(value, "("), TARGET)
    try:
        rows = read(code_text(operand))
    except ReadError:
        return None
    if len(rows) != 1 or rows[0].chain is None or len(rows[0].chain.sides) != 1:
        return None
    return s.BinOp(operator, s.Paren(value, "("), rows[0].chain.sides[0])


def _split(index: str) -> list[str]:
    """An index's parts at its top-level commas: range(N), y -> [range(N), y]."""
    parts, depth, current = [], 0, ""
    for character in index:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(character, 0)
        if character == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += character
    return parts + [current]
