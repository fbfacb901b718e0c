"""A sequence post's claims judged: each side worked out under every convention its names leave open
(evaluate.py); right if one convention makes the sides equal, wrong if none does though the shapes
fit, unchecked if no convention reads it. Conventions the post's own forward equations fix (W x, or
x W; A the weights) hold for every claim after them. A wrong claim is named by its classic slip where
it is one: a dropped 1/√d_k, a softmax Jacobian's diagonal alone, one step's term of a shared weight.
"""

from __future__ import annotations

import itertools
import re
from typing import Callable

import numpy as np

from .. import syntax as s
from ..values import Verdict
from .evaluate import Evaluator, Unfit
from .indices import split_indices
from .derivatives import adjoint_of
from .names import key_of
from .post_facts import PostNames, macro_key
from .post_gradients import written_in
from .carried import carried, slipped
from .quantities import IN_VIEW, World
from .shown import equal, shaped, single, slack
from .unfit import Misfit
from .own_meaning import of_the_loss, own_meaning
from .other_network import in_other_network
from .step_letters import at_step_t, on_one_steps_loss, through_its_state
from .step_ranges import at_step, free_step_letter
from .chains import recursive_term
from .definitions import names_a_vector
from .split_state import FAMILY as CELL_GRADIENT, NEXT_FAMILY
from .why import why

MAX_CONVENTIONS = 512
# readings a post must state: S as QKᵀ before its scale (else dQ = dS K, the dropped 1/√d_k, reads right); A as PV;
# y as the logits; a GRU's z as the candidate's weight; steps from 0; ∂J/∂c^t as a part (split_state.py)
OPTED_INTO = {"S": ("S",), "A": ("A", "S"), "y": ("y",), "update gate": ("keeps the state",), "first step": (1,),
              CELL_GRADIENT: ("whole",), NEXT_FAMILY: ("whole",), "a-name": ("h",),
              "z-name": ("net:", "h", "logit"),       # z the target: only where the post's own equations say so
              "hat": ("prediction",)}                 # ŷ the target (y the softmax): the same
ONE_PATH = ("not checked: this adds one path's term to a gradient that sums several (through each gate, or each "
            "use); only the sum is a claim")
MAX_ENTRIES = 1_000         # of a claim written entry by entry, each checked
MAX_EVALUATIONS = 20_000    # of a claim's sides, over its readings and entries: a bound on one claim's time


class SequenceJudge:
    def __init__(self, world: World, other_world: Callable[[], World | None] | None = None):
        self.world = world
        self.other_world = other_world        # a GRU's: the same spec's of the other variant, made when asked
        self.budget = MAX_EVALUATIONS
        self.unread: str | None = None      # why the claim's first reading stopped
        self.carries: int | None = None     # the line of an earlier slip the last claim carries
        self.misfits: list[bool] = []       # of each reading that stopped: whether its shapes alone stopped it
        self.misfit: str | None = None
        self.misfit_why: str | None = None
        self.misfit_lead = Misfit.lead
        self.misfit_read: set[str] = set()
        # the quantities a forward equation of the post's that holds names: a formula whose shapes do not fit
        # is wrong only where every name in it is one of these (or the data), not a name the post means otherwise
        self.confirmed: set[str] = set()
        self.post = PostNames()
        self.fixed: dict[str, tuple] = {}          # family -> the options the post's forward equations allow

    # -- the post's own names and conventions -------------------------------------------------------
    def known(self, node: s.Node) -> bool:
        """A name of the world's, or an entry of one (A_{ij})."""
        split = split_indices(node)
        if split is not None and self.known(split[0]):
            return True
        return key_of(node, self.world.kind, lambda family, options: options[0]) is not None

    def define(self, chain: s.Chain, line: int | None = None) -> bool:
        """δ3 = δ1 + δ2, gates = W_ih x + ...: a name of the post's own, defined; True if the chain is one.
        A line of code (`line` given) may assign a name of its own again: the lines below take the new value."""
        left, key = chain.sides[0], macro_key(chain.sides[0])
        own = key is not None and names_a_vector(self, left, chain.sides[-1])     # z_u = W_u[h; x] + b_u
        if key is None or self.known(left) and not own or adjoint_of(left) is not None and self.known(adjoint_of(left)):
            return False
        if key in self.post.macros and line is not None and len(chain.sides) == 2:
            self.post.reassigned.setdefault(key, []).append((line, chain.sides[-1]))
            return True
        if key in self.post.macros or self._reads(left) and not own:
            return False                              # QKᵀ = KQᵀ: an expression of known names, a claim
        self.post.macros[key] = chain.sides[-1]
        if line is not None:
            self.post.defined_at[key] = line
        return True

    def _reads(self, node: s.Node) -> bool:
        try:
            Evaluator(self.world, self.post, {}).value(node)
            return True
        except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
            return False

    def learn(self, chain: s.Chain) -> None:
        """A forward equation (f_t = σ(W_f x_t + U_f h_{t-1} + b_f)) that holds under some conventions
        only fixes those for the rest of the post."""
        left = chain.sides[0]
        if adjoint_of(left) is not None or not (self.known(left) or _at_step(left) and self._reads(left)):
            return
        swapped = of_the_loss(left, self.world.kind) and self.post.computes_y   # y and ŷ swapped: a loss equation only
        held = [c for c, equal in self.outcomes(chain, learning=True) if equal and (swapped or c.get("hat") != "target")]
        if not held:
            return
        self._confirm(chain, held[0])
        for family in set().union(*held) - ({"hat"} if not swapped else set()):
            options = tuple(dict.fromkeys(c[family] for c in held if family in c))
            if family in self.fixed:
                narrowed = tuple(o for o in self.fixed[family] if o in options)
                self.fixed[family] = narrowed or self.fixed[family]
            else:
                self.fixed[family] = options

    def _confirm(self, chain: s.Chain, convention: dict) -> None:
        """The names of a forward equation that holds are the network's own, as the post means them."""
        evaluator = Evaluator(self.world, self.post, convention)
        try:
            for side in chain.sides:
                evaluator.value(side)
        except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
            return
        read = {_quantity(key) for key in evaluator.read}
        # Γ_u = σ(W_u [a; x] + b_u): a gate's equation with its weights defines its net input too, σ's argument
        self.confirmed |= read | {f"net:{key[2:]}" for key in read if key.startswith("W:") and key[2:] in read}

    # -- claims ----------------------------------------------------------------------------------------
    def claim(self, chain: s.Chain, traced: bool = True) -> Verdict:
        """The verdict on a claim; `traced`: a whole claim (not one link of a chain), whose slips the lines
        below may carry."""
        self.budget, self.unread, self.carries = MAX_EVALUATIONS, None, None
        if self.world.steps:
            chain = on_one_steps_loss(at_step_t(chain), self.world.kind)   # ∂h_j/∂h_{j-1}: at every step j, so at t
            chain = through_its_state(chain, self.world.kind)
            free = free_step_letter(chain)
            if free is not None:                  # ∂h_t/∂h_k = ∏_{j=k+1}^{t} …: for every k, so at the first two
                return self._at_every_step(chain, free, traced)
        outcomes = self.outcomes(chain)
        if not outcomes and self.misfits and all(self.misfits) and self.misfit_read <= self.confirmed | DATA:
            return Verdict("wrong", None, f"{self.misfit_lead}{self.misfit_why}")
        if not outcomes:
            return Verdict("unchecked", None, f"not read: {self.unread}" if self.unread else
                           "not read: it names something this network does not have, or its shapes do not fit")
        if any(equal for _, equal in outcomes):
            self._written_in(chain)
            held = next(convention for convention, equal in outcomes if equal)
            found = carried(self, chain, held) if traced else None
            if found is None:
                return Verdict("ok", None, "")
            slipped(self, chain)
            verdict, self.carries = found
            return verdict
        variant = in_other_network(self, chain)
        if variant is not None:
            return Verdict("unchecked", None, variant)
        if chain.relations == ("+=",) and not any(self._adds_to_parameter(chain, c) for c, _ in outcomes):
            return Verdict("unchecked", None, ONE_PATH)
        own = own_meaning(self, chain)
        if own is not None:
            return Verdict("unchecked", None, own)
        if traced:
            slipped(self, chain)
        return Verdict("wrong", None, why(self, chain))

    def _at_every_step(self, chain: s.Chain, letter: str, traced: bool) -> Verdict:
        """A claim over a free step letter, judged with the letter at the post's first two steps: wrong where it
        is wrong at one, ok where it holds at both."""
        verdicts = []
        for step in (self.post.first_index, self.post.first_index + 1):
            verdict = self.claim(at_step(chain, letter, step, bounds=True), traced)
            if verdict.verdict == "wrong":
                return Verdict("wrong", verdict.expected, f"at {letter} = {step}: {verdict.reason}")
            verdicts.append(verdict)
        return next((v for v in verdicts if v.verdict != "ok"), verdicts[0])

    def _written_in(self, chain: s.Chain) -> None:
        """B = B_1 ⊙ B_4 held: the weights, in the post's own names, for the gradients by those names."""
        key = key_of(chain.sides[0], self.world.kind, lambda family, options: options[0], self.post.aliases)
        if key is not None and not key.startswith(("d:", "new:")) and not any(c in key for c in "@#~!"):
            for side in chain.sides[1:]:
                written_in(self.post, key, side)

    def matrix_rows(self, chain: s.Chain) -> tuple[bool, list[bool]] | None:
        """(first, rows): of a matrix written out on the chain's last side (or, `first`, on its first), whether
        each row equals the side beside it (under the post's conventions); None where the two do not read as
        matrices of one shape."""
        if len(chain.sides) < 2:
            return None
        first = not isinstance(_unwrapped(chain.sides[-1]), s.Matrix)
        matrix, other = (chain.sides[0], chain.sides[1]) if first else (chain.sides[-1], chain.sides[-2])
        matrix = _unwrapped(matrix)
        if not isinstance(matrix, s.Matrix):
            return None
        evaluator = Evaluator(self.world, self.post, {family: options[0] for family, options in self.fixed.items()})
        try:
            before, after = (np.asarray(evaluator.value(side), dtype=float) for side in (other, matrix))
            base = _before_update(evaluator)
        except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
            return None
        if before.ndim != 2 or before.shape != after.shape or np.shape(base) not in ((), before.shape):
            return None
        rounding = slack(matrix)
        rounding = rounding.reshape(before.shape) if np.size(rounding) == before.size else \
            np.full(before.shape, np.max(rounding))
        return first, [equal(a, b, r) for a, b, r in zip(before - base, after - base, rounding)]

    def _adds_to_parameter(self, chain: s.Chain, convention: dict) -> bool:
        """dW += …: a weight's gradient summed over the steps (each step's term a claim), not dx += … (a state's
        or an input's, summed over the paths through the cell: one path's term is no claim on the whole)."""
        evaluator = Evaluator(self.world, self.post, convention)
        try:
            evaluator.value(chain.sides[0])
        except (Unfit, FloatingPointError, ValueError, KeyError, IndexError):
            return False
        return any(key.startswith(("d:W:", "d:U:", "d:V:", "d:b:", "d:b':")) for key in evaluator.read)

    def outcomes(self, chain: s.Chain, learning: bool = False) -> list[tuple[dict, bool]]:
        """(convention, whether every side equals the first) for each convention that reads the chain: the
        options the post's forward equations fixed, else every one (but those a post must opt into)."""
        found, tried = [], set()
        self.misfits, self.misfit_why, self.misfit_read = [], None, set()
        queue = [{family: options[0] for family, options in self.fixed.items() if len(options) == 1}]
        while queue and len(tried) < MAX_CONVENTIONS:
            convention = queue.pop(0)
            evaluator = Evaluator(self.world, self.post, convention)
            self.misfit = None
            outcome = self._holds(chain, evaluator, convention)
            if outcome is None:
                self.misfits.append(self.misfit is not None)
            signature = tuple(sorted((f, convention.get(f, o[0])) for f, o in evaluator.consulted.items()))
            if signature in tried:
                continue
            tried.add(signature)
            if outcome is not None:
                found.append((dict(signature), outcome))
            for family, options in evaluator.consulted.items():
                if family not in convention:
                    allowed = self.fixed.get(family, options if learning else OPTED_INTO.get(family, options))
                    for option in allowed:
                        queue.append(convention | {family: option})
        return found

    def _holds(self, chain: s.Chain, evaluator: Evaluator, convention: dict) -> bool | None:
        """Whether every side equals the first under the convention, at each step in view (two where there
        are three steps or more: one may be a point where a slip vanishes, such as a zero state) and at
        every entry its free index letters name (A_{ij} for every i and j); None where it does not read."""
        held, read = self.world.at, False
        try:
            for step in self.in_view():
                self.world.at = step
                found = self._holds_here(chain, evaluator, convention)
                if found is False:
                    return False
                read = read or found is True       # δ_{t+1} at the last step: that step does not read it
            return True if read else None
        finally:
            self.world.at = held

    def in_view(self) -> tuple[int, ...]:
        steps = len(self.world.steps)
        view = (IN_VIEW, IN_VIEW + 1) if steps > IN_VIEW + 1 else (IN_VIEW,) if steps else (0,)
        return view + (steps - 1,) if self.world.read_at_last and steps - 1 not in view else view   # ŷ at the last

    def _letters(self, node: s.Node, convention: dict) -> set[str]:
        """The index letters an expression reads (A_{ij}: i and j)."""
        sized = Evaluator(self.world, self.post, convention)
        sized.value(node)
        return set(sized.letter_sizes) | sized.kronecker_letters

    def _holds_here(self, chain: s.Chain, evaluator: Evaluator, convention: dict) -> bool | None:
        try:
            values = shaped(_sides(evaluator, chain))
            if values is None:
                return None
            base = _before_update(evaluator)            # W⁺ = …: judged by its step from W
            if np.size(base) == np.size(values[0]):
                base = np.reshape(base, np.shape(values[0]))
                values = [v - base for v in values]
            if not evaluator.letter_sizes:
                slacks = [slack(side) for side in chain.sides]
                return all(_equal_sides(values[0], v, slacks[0], t) for v, t in zip(values[1:], slacks[1:]))
            sizes = dict(evaluator.letter_sizes)
            # each side's terms, each with its own index letters: Einstein's repeated index is summed in its term
            terms = [_signed_terms(side) if self.post.einstein else [(1, side)] for side in chain.sides]
            own = [[self._letters(term, convention) for _, term in side] for side in terms]
            mentioned = [set().union(*side) for side in own]
            if self.post.einstein:             # an index on one side only is summed there
                free = sorted(set.intersection(*mentioned))
            else:                              # the left's indices are each claim's; the right has no others
                free = sorted(mentioned[0])
                if any(not letters <= mentioned[0] for letters in mentioned[1:]):
                    return None
                own = [[set(free)] for _ in own]
            entries = list(itertools.product(*(range(sizes[k]) for k in free)))
            summed = max(len(list(_assignments(sizes, sorted(o - set(free))))) for side in own for o in side)
            if len(entries) * max(1, summed) > MAX_ENTRIES:
                return None
            for entry in entries:
                at = dict(zip(free, entry))
                values = []
                for side, letters in zip(terms, own):
                    total = 0.0
                    for (sign, term), term_letters in zip(side, letters):
                        for each in _assignments(sizes, sorted(term_letters - set(free))):
                            self.budget -= 1
                            if self.budget < 0:
                                raise Unfit("more entries and readings than are checked")
                            other = Evaluator(self.world, self.post, convention, at | each)
                            total = total + sign * single(other.value(term))
                            evaluator.consulted.update(other.consulted)
                    values.append(total)
                slacks = [np.max(slack(side), initial=0.0) for side in chain.sides]
                if not all(equal(values[0], v, slacks[0] + t) for v, t in zip(values[1:], slacks[1:])):
                    return False
            return True
        except Unfit as exc:
            self.unread = self.unread or str(exc)      # the first reading's reason: what a reader looks for
            if isinstance(exc, Misfit):
                if self.misfit_why is None:
                    self.misfit_lead = exc.lead
                self.misfit = self.misfit_why = self.misfit_why or str(exc)
                # a misfit through a name the post defined (δ_ht = h_t - y_t, of the wrong shape) may be that
                # line's, not this one's: never confirmed
                self.misfit_read |= {_quantity(key) for key in evaluator.read} | \
                    {f"post:{key}" for key in evaluator.named_read}
            return None
        except (FloatingPointError, ValueError, KeyError, IndexError):
            return None


def _signed_terms(node: s.Node) -> list[tuple[int, s.Node]]:
    """A side's additive terms, each with its sign: a - (b + c) as (+1, a), (-1, b + c)."""
    if isinstance(node, s.BinOp) and node.op in ("+", "-"):
        flip = -1 if node.op == "-" else 1
        return _signed_terms(node.left) + [(flip * sign, term) for sign, term in _signed_terms(node.right)]
    if isinstance(node, s.Neg):
        return [(-sign, term) for sign, term in _signed_terms(node.arg)]
    return [(1, node)]


def _assignments(sizes: dict[str, int], letters: list[str]):
    for values in itertools.product(*(range(sizes[k]) for k in letters)):
        yield dict(zip(letters, values))


def _sides(evaluator: Evaluator, chain: s.Chain) -> list:
    """Each side's value (a 1×1 matrix a number: q_iᵀ k_j); the left of dW += … is the step's own term."""
    if chain.relations == ("+=",):
        evaluator.step_term = True
        try:
            left = evaluator.value(chain.sides[0])
        finally:
            evaluator.step_term = False
        values = [left, evaluator.value(chain.sides[1])]
    else:
        evaluator.recursive, values = recursive_term(chain), []
        for number, side in enumerate(chain.sides):
            evaluator.on_right = number > 0
            values.append(evaluator.value(side))
    return [single(v) for v in values]


def _at_step(node: s.Node) -> bool:
    """ys[t], hs[t-1]: code's array over the steps, at one."""
    return isinstance(node, s.Juxt) and len(node.items) == 2 and isinstance(node.items[0], s.Sym) and \
        isinstance(node.items[1], s.Paren) and node.items[1].kind == "["


def _equal_sides(a, b, slack_a, slack_b) -> bool:
    """Two sides equal, each allowed its written figures' rounding (entry by entry where both are alike)."""
    if np.size(slack_a) > 1 and np.size(slack_b) > 1 and np.size(slack_a) != np.size(slack_b):
        return equal(a, b, np.max(slack_a) + np.max(slack_b))
    return equal(a, b, np.add(slack_a, slack_b))


def _before_update(evaluator: Evaluator):
    """The weight before the update, where a claim reads one weight after it (W⁺); else 0. A step of
    η ∂L/∂W is small beside W: compared from W, the step's own figures count, not W's."""
    updated = {key for key in evaluator.read if key.startswith("new:")}
    return evaluator.value_of(updated.pop()[4:]) if len(updated) == 1 else 0.0


DATA = {"x", "y"}           # the input and the target: no post means another thing by them


def _quantity(key: str) -> str:
    """A key's quantity, whatever the step or the gradient: d:h@-1 -> h, d:V:! -> V:."""
    key = key[2:] if key.startswith("d:") else key
    key = key[4:] if key.startswith("new:") else key
    return re.split(r"[@#]", key)[0].rstrip("!~<>^")


def _unwrapped(node: s.Node) -> s.Node:
    while isinstance(node, s.Paren):
        node = node.inner
    return node
