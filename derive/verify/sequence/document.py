"""A post about an RNN, LSTM, GRU or attention layer, checked claim by claim: the same regions and
rows as any post (verify/regions.py, row_reading.py), each claim judged on one step of the cell or on
the attention (judge.py)."""

from __future__ import annotations

import re
import time

from ...errors import DeriveError
from .. import syntax as s
from ..claims import Claim, Report, unread_claims
from ..limits import MAX_CLAIMS, MAX_DOCUMENT
from ..link_lines import first_read, later_links, members_that_read
from ..region import Region, line_starts_of
from ..code_regions import code_functions, code_name, with_code
from ..reader import ReadError, read
from ..regions import normalize, scan
from ..row_reading import continued_regions, read_rows
from ..values import Verdict
from ..judge import EQUALITIES
from ..sigma_words import sigma_is_activation
from .built import built
from .derivatives import adjoint_of, step_loss_of
from .numbered_names import numbered_stages
from .definitions import corrected_definitions, named_net_input, named_quantity, named_target, own_weight_letter, rebound
from .names import OWN_TERM, key_of
from .post_facts import macro_key
from .named_terms import named_terms
from .judge import SequenceJudge
from .split_state import FAMILY as CELL_GRADIENT, OPTIONS as CELL_OPTIONS, splits_cell_gradient
from .split_state import NEXT_FAMILY, NEXT_OPTIONS, names_next_state_gradient
from .updates import as_update
from .why import case_letters
from ..typed.rows import row_line
from .other_network import other_world
from .world import world


class SequenceChecker:
    """What depends on the spec only: the numbers of the layer's step or attention, taken once."""

    def __init__(self, result):
        self.spec = result.spec
        self.world = world(result.spec)
        self._other_world = None

    def other_world(self):
        """The world of the network next to the spec's (the other GRU variant, the RNN made linear and
        unbiased: other_network.py), made once, when a claim first asks."""
        if self._other_world is None:
            self._other_world = (other_world(self.spec),)
        return self._other_world[0]


def verify_sequence(checker: SequenceChecker, regions: list[Region], document: str | None, seconds: float,
                    chains_of, joined=lambda rows: rows) -> Report:
    deadline = time.monotonic() + seconds
    starts = line_starts_of(document) if document is not None else None
    read = [(region, joined(rows)) for region, rows in
            continued_regions([(region, read_rows(region, document, starts)) for region in regions], document)]
    found = [(region, _stated(chain), line) for region, rows in read for chain, _, line in chains_of(rows)]
    if document is not None:                   # "the middle term ... evaluates to": a factor of the chain above
        found = sorted(found + named_terms(document, regions, found), key=lambda item: item[0].start)
    if len({chain.text for _, chain, _ in found}) > MAX_CLAIMS:
        raise DeriveError(f"document: more than {MAX_CLAIMS} different claims; at most {MAX_CLAIMS} are checked")
    judge = SequenceJudge(checker.world, checker.other_world)
    lines = document.split("\n") if document is not None else []
    judge.post.functions = _functions(document) if document is not None else {}
    judge.post.einstein = bool(document is not None and EINSTEIN.search(document))
    judge.post.unscaled = document is not None and not SCALED.search(document)
    judge.post.batched = document is not None and bool(BATCHED.search(document))
    judge.post.sigma_is_activation = sigma_is_activation(lines)
    judge.post.computes_y = _computes_y(found, checker.world.kind)
    judge.post.first_index = 0 if any(isinstance(node, s.Scripted) and node.sub is not None and
                                      re.fullmatch(r"\{?\d,?\d\}?", node.sub.text) and "0" in node.sub.text
                                      for _, chain, _ in found for node in s.nodes(chain)) else 1
    judge.post.through_time = any(_sums_over_time(chain) for _, chain, _ in found) or \
        bool(document is not None and THROUGH_TIME.search(document))
    judge.post.one_step_above = min((line for _, chain, line in found if _sums_copies(checker.world.kind, chain)),
                                    default=None) or _through_time_from(document, found)
    claims = []
    for region, rows in read:
        claims += unread_claims(region, rows)
    defined, named = numbered_stages(judge, found), {}
    for index, (region, chain, line) in enumerate(found):     # the post's own names
        if len(chain.sides) >= 3 and judge.define(s.Chain(chain.sides[-1:] + chain.sides[-2:-1], ("=",), False,
                                                           chain.text, chain.offset)):
            chain = s.Chain(chain.sides[:-1], chain.relations[:-1], chain.continued, chain.text, chain.offset)
            found[index] = (region, chain, line)       # ∂L/∂V = Bᵀ ∂L/∂C = ζ_1: ζ_1 names what the post wrote
        again = macro_key(chain.sides[0]) in judge.post.macros
        verdict = rebound(judge, chain) if region.code else None
        if verdict is not None:                 # a = x.dot(Wx) + ...: the letter names another quantity here
            defined.add((line, chain.text))
            named[(line, chain.text)] = verdict
        elif len(chain.sides) >= 2 and judge.define(chain, line if region.code else None):
            defined.add((line, chain.text))    # and, in the post's order, those that name a quantity of the network's
            judge.post.line = line if region.code else None
            named[(line, chain.text)] = named_quantity(judge, chain, bind=not again)
    corrected_definitions(judge, found, defined, named)
    if splits_cell_gradient(checker.world.kind, [chain for _, chain, _ in found], judge.post.aliases):
        judge.fixed[CELL_GRADIENT] = CELL_OPTIONS         # ∂J/∂c^t + the path through a^t: Ng's dc_next
    if names_next_state_gradient(checker.world.kind, [chain for _, chain, _ in found], judge.post.aliases):
        judge.fixed[NEXT_FAMILY] = NEXT_OPTIONS           # dh_{t+1} = U_zᵀ dz_t + …: code's dh_next
    for region, chain, line in found:          # h_t = tanh(s_t) names s_t the net input, on the lines above it too
        if (line, chain.text) not in defined and len(chain.sides) >= 2:
            named_net_input(judge, chain)
            named_target(judge, chain)         # E = ½ Σ_t (y_t − d_t)²: d the target
    if defines_delta_by_its_steps_loss(checker.world.kind, [chain for _, chain, _ in found], judge.post.aliases):
        judge.fixed["delta"] = ("own",)                  # δ_t = ∂E_t/∂s_t: step t's own loss's, all through
    for region, chain, line in found:          # a forward equation fixes the post's conventions from its line on
        judge.post.line = line
        if (line, chain.text) not in defined and len(chain.sides) >= 2 and not _restates(chain) and \
                not _at_two_steps(chain.sides[0], chain.sides[-1], states=False):    # δ_t = δ_{t+1}: no forward line
            own_weight_letter(judge, chain)
            named_net_input(judge, chain)
            judge.learn(chain)
        if (line, chain.text) in defined:
            verdict = named.get((line, chain.text))
            if verdict is not None:
                claims.append(Claim(line, chain.text, verdict.verdict, verdict.expected, verdict.reason,
                                    region.start, region.end))
            continue
        chain = as_update(chain, checker.world.kind) or chain          # W -= η dW: W⁺ = W - (η dW)
        if len(chain.sides) < 2 or _restates(chain) or not _equates(chain) or region.defines:
            continue
        if _changed_below(lines, line, chain):       # dy = np.copy(ps[t]), dy[targets[t]] -= 1: judged at the last
            found_built = built(lines, line, chain) if region.code else None
            if found_built is None:
                continue
            chain, line = found_built
        if time.monotonic() > deadline:
            verdict = Verdict("unchecked", None, f"not checked: the document's {seconds:g} s were spent")
        else:
            verdict = judge.claim(chain)
            carries = judge.carries
            if verdict.verdict == "unchecked" and time.monotonic() < deadline:
                verdict = members_that_read(judge.claim, chain, verdict)
                judge.carries = carries               # the chain's own, not its last pair's
        carries = judge.carries
        if verdict.verdict == "wrong":                # ∂P_ik/∂S_ij = -P_ik P_ij under "k ≠ j" a few lines up
            verdict = _case(judge, chain, lines, line) or verdict
        carries = carries if verdict.verdict == "wrong" else None
        if region.plain and verdict.verdict == "unchecked":
            continue
        # a chain over several lines, judged whole: each line's link judged too, and a wrong chain reported
        # at the lines whose links are wrong (where its slip is written), where some are
        placed = [(below, first_read(lambda link: judge.claim(link, traced=False), tries))
                  for below, tries in later_links(line, chain, set() if verdict.verdict == "wrong" else {line})]
        if not (verdict.verdict == "wrong" and any(again.verdict == "wrong" for _, again in placed)):
            placed = [(line, verdict)] + [(below, again) for below, again in placed if below != line]
        if verdict.verdict == "wrong":        # a matrix written out: each row at its own line, the wrong ones wrong
            placed = _by_rows(judge, chain, line, lines, verdict) or placed
        for below, again in placed:
            if again.verdict is not None and not (region.plain and again.verdict == "unchecked"):
                claims.append(Claim(below, chain.text, again.verdict, again.expected, again.reason, region.start,
                                    region.end, carries=carries if again is verdict else None))
    claims.sort(key=lambda c: (c.start, c.line))
    return Report(tuple(claims), "sequence")


SCALED = re.compile(r"\\sqrt|sqrt|√|\*\*\s*0?\.5|\^\s*\{?\s*-?\s*(?:1/2|0?\.5|\\frac\s*\{?1\}?\s*\{?2)|"
                    r"\bscal(?:e|ed|es|ing)\b", re.IGNORECASE)      # a post that scales its scores somewhere


def verify_sequence_text(checker: SequenceChecker, text: str, name: str, seconds: float, chains_of,
                         joined=lambda rows: rows) -> Report:
    if len(text) > MAX_DOCUMENT:
        raise DeriveError(f"document: {len(text)} characters; at most {MAX_DOCUMENT} are read")
    text = normalize(text)
    regions = scan(text, name)
    if not name.endswith(".tex"):
        regions = with_code(regions, text)
    return verify_sequence(checker, regions, text, seconds, chains_of, joined)


def _by_rows(judge: SequenceJudge, chain: s.Chain, line: int, lines: list[str], verdict: Verdict):
    """(line, verdict) for each row of a matrix written out on a wrong chain's last side: a reader corrects
    the rows that are wrong, each at its line."""
    found_rows = judge.matrix_rows(chain)
    if not found_rows or all(found_rows[1]):
        return None
    first, rows = found_rows
    start = line if first else line + (chain.lines[-1] if len(chain.lines) == len(chain.relations) and chain.lines
                                       else 0)
    found = []
    for row, right in enumerate(rows):
        at = row_line(lines, start, row)
        if at is None:
            return None
        found.append((at, Verdict("ok", None, f"the matrix's row {row + 1}") if right else
                      verdict._replace(reason=f"{verdict.reason}; the matrix's row {row + 1} is wrong")))
    return found


CASE_LINES = 15          # lines above a formula where the post may state the case it holds in


def _case(judge: SequenceJudge, chain: s.Chain, lines: list[str], line: int) -> Verdict | None:
    """A formula entry by entry that fails only where two of its letters coincide, under a case the post states
    just above it (k ≠ j): right, in that case. A formula that fails there with no case stated (the softmax
    Jacobian without its diagonal term) stays wrong."""
    letters = case_letters(judge, chain)
    if letters is None:
        return None
    a, b = (re.escape(k) for k in letters)
    unequal = r"\s*(?:≠|\\neq?\b|!=|=\\not=)\s*"
    stated = re.compile(rf"(?<![A-Za-z]){a}{unequal}{b}(?![A-Za-z])|(?<![A-Za-z]){b}{unequal}{a}(?![A-Za-z])")
    if not any(stated.search(text) for text in lines[max(0, line - CASE_LINES):line]):
        return None
    return Verdict("ok", None, f"it holds where {letters[0]} ≠ {letters[1]}, the case the post states above it "
                               f"(not where {letters[0]} = {letters[1]}, which the post treats apart)")


def _functions(document: str) -> dict[str, tuple[tuple[str, ...], s.Node]]:
    """The post's code's one-line functions, each read (those that do not read are left out)."""
    found = {}
    for name, (parameters, returned) in code_functions(document).items():
        try:
            rows = read(returned)
        except ReadError:
            continue
        if len(rows) == 1 and rows[0].chain is not None and len(rows[0].chain.sides) == 1:
            found[name] = (parameters, rows[0].chain.sides[0])
    return found


def _stated(chain: s.Chain) -> s.Chain:
    """The chain up to a set it says its value is in (W = QKᵀ/√d ∈ ℝ^{n×n}): that states a shape."""
    if "\\in" not in chain.relations:
        return chain
    cut = chain.relations.index("\\in")
    return s.Chain(chain.sides[:cut + 1], chain.relations[:cut], chain.continued, chain.text, chain.offset,
                   chain.lines[:cut])


# Σ_m, Σ_{i=1}^{m}, 1/m, "m training examples": a post over a batch of m samples, as Ng's course writes them
BATCHED = re.compile(r"\\sum_\{?\s*m\s*\}?(?![A-Za-z0-9])|\\sum_\{\s*[a-z]\s*=\s*1\s*\}\s*\^\s*\{?\s*m\b|"
                     r"\\frac\s*\{\s*1\s*\}\s*\{\s*m\s*\}|\bm\s+(?:training\s+)?(?:examples|samples)\b")
EINSTEIN = re.compile(r"einstein|summation convention|summed[- ]over (?:vector )?ind(?:ex|ices)|repeated "
                      r"ind(?:ex|ices) (?:is|are) summed", re.IGNORECASE)
THROUGH_TIME = re.compile(r"through time|\bBPTT\b|for t in (?:reversed\()?range|\\sum_\{?t\b", re.IGNORECASE)


def _through_time_from(document: str | None, found) -> int | None:
    """The first line at which the post goes through time: above it, its ∂L/∂W is one step's. A sum over the
    steps (Σ_t, Σ_z δ^{t-z}) or a loop over them says where; prose (BPTT, 'through time') only where neither is."""
    texts = (document or "").split("\n")
    summed = [line for _, chain, line in found if _sums_over_time(chain)] + \
        [k for k, text in enumerate(texts, 1) if _LOOP.search(text)]
    return min(summed, default=None) or min((k for k, text in enumerate(texts, 1) if THROUGH_TIME.search(text)),
                                            default=None)


_LOOP = re.compile(r"for t in (?:reversed\()?range")


def _computes_y(found, kind: str) -> bool:
    """y_t = softmax(z_t), or y_t = V h_t + c, and no such ŷ_t = …: the post's y is its prediction (ŷ, if
    anything, its target)."""
    def read_out(chain) -> bool:
        return "softmax" in chain.text or any(key_of(node, kind, lambda family, options: options[0]) == "V:"
                                              for node in s.nodes(chain.sides[1]))
    letters = {_letter(chain.sides[0]) for _, chain, _ in found if len(chain.sides) == 2 and read_out(chain)}
    return ("y", "") in letters and ("y", "hat") not in letters


def _letter(node: s.Node) -> tuple[str, str] | None:
    base = node.base if isinstance(node, s.Scripted) else node
    return (base.text, base.font) if isinstance(base, s.Sym) else None


def _sums_copies(kind: str, chain: s.Chain) -> bool:
    """∂J/∂W_f = Σ_t ∂J/∂W_f^t: the post sums a shared weight's steps' own terms, by name."""
    right = chain.sides[1] if len(chain.sides) >= 2 else None
    if not (isinstance(right, s.BigSum) and right.sub is not None and right.sub.text.split("=")[0] == "t"):
        return False
    keys = [key_of(node, kind, lambda family, options: options[0]) for node in (chain.sides[0], right.body)]
    return None not in keys and keys[0].endswith("!") and keys[1] == keys[0][:-1] + OWN_TERM


def _sums_over_time(chain: s.Chain) -> bool:
    """Σ_t …, or Σ_z δ^{t-z} x^{t-z}: a sum whose letter is the step's, or counts steps back from it."""
    for node in s.nodes(chain):
        if isinstance(node, s.BigSum) and node.sub is not None:
            letter = node.sub.text.split("=")[0].strip()
            if letter == "t" or re.fullmatch(r"[a-z]", letter) and any(
                    isinstance(inner, s.Script) and re.fullmatch(rf"\{{?t\s*-\s*{letter}\}}?", inner.text.strip())
                    for inner in s.nodes(node.body)):
                return True
    return False


def _changed_below(lines: list[str], line: int, chain: s.Chain) -> bool:
    """dy = np.copy(ps[t]) with dy[targets[t]] -= 1 below it, dh_prev = dh_next * (1-z) with dh_prev += r * dhr
    further on: code's value built in steps, the first of them no claim (the whole is the sum of its paths)."""
    name = chain.text.split("=", 1)[0].strip()
    if not name or not re.fullmatch(r"[\w{}\\]+", name):
        return False
    updated = re.compile(rf"\s*{re.escape(code_name(name))}\s*(\[[^=]*\]\s*)?([-+*/])?=(?!=)")
    for text in lines[line:line + MAX_BUILT]:
        found = updated.match(text)
        if text.lstrip().startswith(("def ", "class ", "```", "return ")):
            return False
        if found:
            return found.group(2) is not None
    return False


MAX_BUILT = 40           # lines below an assignment where code may go on building its value


def _equates(chain: s.Chain) -> bool:
    """a = b (or ≈, ≡, :=), and dW += term: not a bound, an update or an arrow."""
    return all(r in EQUALITIES for r in chain.relations) or chain.relations == ("+=",)


def _restates(chain: s.Chain) -> bool:
    """W_f = W_f, or W_f = W_f[:n_a, :]: a name set equal to itself, or to a part of itself, says how the post
    uses the name from then on; it claims no value, and fixes no convention. So does a δ of two scripts set to
    one step's loss's derivative (δ^{(t)}_k = ∂E_t/∂s_k, WildML's δ_k^{(t)}): the post's notation, no claim;
    and a state set equal to itself at another step."""
    left = chain.sides[0]
    if len(chain.sides) == 2 and isinstance(left, s.Scripted) and left.base == s.Sym("\\delta") and \
            left.sub is not None and left.sup is not None and isinstance(chain.sides[1], s.Frac) and \
            step_loss_of(chain.sides[1]) is not None:
        return True
    if len(chain.sides) == 2 and _at_two_steps(left, chain.sides[1]):
        return True
    return all(side == left or isinstance(side, s.Juxt) and side.items[0] == left and
               all(isinstance(item, s.Paren) and item.kind == "[:" for item in side.items[1:])
               for side in chain.sides[1:])


_STEP = re.compile(r"\{?\s*(?:\(|\\langle\s*|<)?\s*(?:[tkjsT]|\\tau)\s*(?:[+-]\s*\d\s*)?(?:\)|\\rangle|>)?\s*\}?")


def _at_two_steps(left: s.Node, right: s.Node, states: bool = True) -> bool:
    """c^{t+1} = c^t, h^{(t)} = h^{(t-1)}: a state set equal to itself at another step says how it flows (the
    cell's dataflow, a path kept when f = 1), never what it is at the network's values. A gradient's
    (dc_{t-1} = dc_t, δ_t = δ_{t+1}) is a claim: the slip of a gradient passed on unchanged."""
    if not (isinstance(left, s.Scripted) and isinstance(right, s.Scripted) and left.base == right.base and
            isinstance(left.base, s.Sym)) or \
            states and re.match(r"d[a-zA-Z]|\\(?:delta|nabla|partial)", left.base.text):
        return False
    steps = [(a, b) for a, b in ((left.sub, right.sub), (left.sup, right.sup)) if a is not None or b is not None]
    return len(steps) == 1 and all(x is not None and _STEP.fullmatch(x.text) for x in steps[0]) and \
        steps[0][0].text.replace(" ", "") != steps[0][1].text.replace(" ", "")


def defines_delta_by_its_steps_loss(kind: str, chains: list[s.Chain], aliases: dict[str, str]) -> bool:
    """δ_t = ∂E_t/∂s_t (hschen's, WildML's): the post's δ_t is the net input's gradient of step t's loss alone,
    where no line defines it by the whole loss (δ_t = ∂L/∂z_t)."""
    pick = lambda family, options: options[0]                                           # noqa: E731
    by_whole = any(len(chain.sides) >= 2 and isinstance(chain.sides[0], s.Scripted) and
                   chain.sides[0].base == s.Sym("\\delta") and isinstance(chain.sides[1], s.Frac) and
                   adjoint_of(chain.sides[1]) is not None for chain in chains)
    return kind == "rnn" and not by_whole and any(
        len(chain.sides) >= 2 and key_of(chain.sides[0], kind, pick) in ("d:net:", "d:h") and
        isinstance(chain.sides[0], s.Scripted) and chain.sides[0].base == s.Sym("\\delta") and
        (key_of(chain.sides[1], kind, pick, aliases) or "").startswith("d:net:") and
        step_loss_of(chain.sides[1], kind) is not None
        for chain in chains)
