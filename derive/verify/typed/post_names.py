"""What a typed post's own text says its names are, read once for the whole post before its claims
are judged: definitions that rebind a name or name an expression (a leaf's letter, a second meaning,
one more name read anew), the letters its sums count to, its index order, the statistics it
differentiates by, and the counts its statistics divide by."""

from __future__ import annotations

import itertools

from .. import syntax as s
from .evaluate import Evaluator, OutOfRange, Unread, derivative_parts, is_label
from .judge import TypedJudge
from .vector_form import vectors
from .letters import free_letters
from .names import LOSSES, Names, index_pieces
from .statistics import stated_with_statistics

LEAVES = ("input", "kernel", "bias", "scale", "shift")


def bind_definitions(judge: TypedJudge, chains: list[s.Chain]) -> None:
    """A post's own names: `Z_i = (X_i - μ)/σ` makes Z the normalized input, where Z would be read as
    another tensor (or as nothing) and the definition holds only as x̂. One role per name, for the post."""
    names, model = judge.names, judge.model
    point = judge.points[0]
    for chain in chains:
        if len(chain.sides) > 2 and isinstance(chain.sides[1], s.Frac) and _new_name(names, chain.sides[0]):
            # η_{ij} = ∂H/∂w_{ij} = …: η names the derivative
            chain = s.Chain(chain.sides[:2], chain.relations[:1], chain.continued, chain.text, chain.offset,
                            chain.lines[:1])
        if len(chain.sides) != 2 or chain.relations[0] not in ("=", ":=") or renames(chain) or \
                names_the_loss(chain, names) or stated_with_statistics(chain, names):
            continue                   # γ = √Var[x], μ = E[x]: claims; γ stays the scale, μ the mean
        written = written_name(chain.sides[0])
        if written is None:
            continue
        text, font, sub = written
        key = Names.key(text, font)
        evaluator = Evaluator(model, names, point)
        views = judge._views(frozenset(free_letters(chain, names.counts)) | {"•"})
        if _holds(evaluator, chain, views, point):
            continue
        bound = names.bound.get(key)
        role = _fitting(names, model, key, chain, lambda: _holds(evaluator, chain, views, point))
        if role is None:
            # a leaf's letter (the input's z) defined by the layer's quantities is the post's own name: z = σ(y)
            own = (names.role(text, font) in (None,) + LEAVES or _of_own_names(names, chain.sides[1])) and \
                not (_gradient_name(names, text, font) and not _of_own_names(names, chain.sides[1]))
            itself = _mentions(chain.sides[1], key)
            # b = 0 (简化 b^l = 0): the post leaves the bias out of an example, b names no expression of its own
            assumed = names.role(text, font) in ("bias", "shift") and isinstance(chain.sides[1], s.Num) and \
                float(chain.sides[1].text) == 0
            if bound is None and own and not itself and not assumed and _reads(evaluator, chain.sides[1], views):
                names.define(key, index_pieces(sub) or [] if sub else [], chain.sides[1])
        if bound is not None:               # defined again, as something else: its first meaning stays
            names.bind(key, bound)
            if role is not None:
                names.also(key, role)
        elif role is not None and _other_case(key) in names.bound:     # Z the output, z the normalized input
            names.also(key, names.bound[_other_case(key)])
            names.also(_other_case(key), role)


def _new_name(names: Names, node: s.Node) -> bool:
    """A name the layer's table gives no role (η, g), not one of its tensors' letters (x, w, b)."""
    written = written_name(node)
    return written is not None and names.role(written[0], written[1]) is None


def swapped_operands(judge: TypedJudge, chains: list[s.Chain]) -> None:
    """A conv post that calls its image W and its kernel x (y_{12} = w_{12}x_{11} + w_{13}x_{12} + …: w's
    indices move with the output's, x's stay): where an output entry's written forward holds only with
    the input's and the kernel's names swapped, they are swapped for the post."""
    names, model = judge.names, judge.model
    if model.kind != "conv2d":
        return
    for chain in chains:
        # the names the chain writes with indices (w_{12}, x_{11}): the entry by entry forward
        used = {(n.base.text, n.base.font) for n in s.nodes(chain) if isinstance(n, s.Scripted) and
                isinstance(_unbraced(n.base), s.Sym) and n.sub is not None for n in [_indexed(n)]}
        roles = {Names.key(t, f): names.role(t, f) for t, f in used}
        operands = {key: role for key, role in roles.items() if role in ("input", "kernel")}
        if set(operands.values()) != {"input", "kernel"} or "output" not in roles.values() or \
                any(isinstance(n, s.Frac) for n in s.nodes(chain)):
            continue                      # the forward: the output, both operands, no derivative
        # entry by entry, the forward is the layer's own correlation (document.py's _convention says so too)
        convention, judge.convention = judge.convention, "correlation"
        try:
            if judge.claim(chain).verdict == "ok":       # (w_{13} past a 2×2 kernel: not this reading either)
                return
            for key, role in operands.items():
                names.bind(key, "kernel" if role == "input" else "input")
            if judge.claim(chain).verdict == "ok":
                return
            for key in operands:
                del names.bound[key]
            return
        finally:
            judge.convention = convention


def _unbraced(node: s.Node) -> s.Node:
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    return node


def _indexed(node: s.Scripted) -> s.Scripted:
    """{w}_{12} as w_{12}."""
    return s.Scripted(_unbraced(node.base), node.sub, node.sup, node.primes)


def limits(names: Names, chains: list[s.Chain]) -> set[str]:
    """The letters the post's sums run up to (Σ_r^n, Σ_{k=1}^{H}) that name nothing else: the size of
    the axis summed over, as a count."""
    found = set()
    for chain in chains:
        for node in s.nodes(chain):
            top = node.sup.node if isinstance(node, s.BigSum) and node.sup is not None else None
            if isinstance(top, s.Sym):
                names.bounds.add(top.text)
            if isinstance(top, s.Sym) and len(top.text) == 1 and top.text.isalpha() and not top.font and \
                    names.role(top.text) is None and top.text not in LOSSES:
                found.add(top.text)
    return found


def _fitting(names: Names, model, key: str, chain: s.Chain, holds) -> str | None:
    """The role under which a definition holds, bound: the left name's alone, else with one name of the
    right side's read as another tensor too, where two of its names have one role (Z = a(X - μ)/σ + b,
    where a and X would both be the input: the post's a is the scale)."""
    for role in _roles(model):
        names.bind(key, role)
        if holds():
            return role
        del names.bound[key]
    right = [n for n in s.nodes(chain.sides[1:]) if isinstance(n, s.Sym)]
    others = sorted({Names.key(n.text, n.font) for n in right if len(n.text) == 1 and n.text.isalpha() and
                     names.role(n.text, n.font) is not None} - {key})
    for other in (o for o in others if o not in names.bound):
        # no role twice in one definition: X read as the mean in (X - μ) would make it vanish
        taken = {names.role(n.text, n.font) for n in right if Names.key(n.text, n.font) != other}
        if names.role(other) not in taken:
            continue
        for role, second in itertools.product(_roles(model), _roles(model)):
            if second == names.role(other) or second in taken or role in taken | {second}:
                continue
            names.bind(key, role)
            names.bind(other, second)
            if holds():
                return role
            del names.bound[key], names.bound[other]
    return None


def _of_own_names(names: Names, side: s.Node) -> bool:
    """Whether an expression is of the post's own names alone (σ = √(qᵀq), q its own): a name of the
    layer's defined so means the post's quantity, not the table's."""
    written = [Names.key(n.text, n.font) for n in s.nodes(side) if isinstance(n, s.Sym) and n.text.isalpha()]
    return bool(written) and all(key in names.macros for key in written)


def _mentions(side: s.Node, key: str) -> bool:
    """Whether a side reads the name itself (x in x + 1; N_c is another name than N)."""
    found = list(s.nodes(side))
    indexed = {id(n.base) for n in found if isinstance(n, s.Scripted) and n.sub is not None}
    return any(isinstance(n, s.Sym) and id(n) not in indexed and Names.key(n.text, n.font) == key for n in found)


def variables(names: Names, chains: list[s.Chain]) -> frozenset:
    """The statistics a post differentiates by (∂L/∂μ, ∂L/∂σ²): its variables of their own."""
    found = set()
    for chain in chains:
        for node in s.nodes(chain):
            parts = derivative_parts(node) if isinstance(node, s.Frac) else None
            bottom = parts[1] if parts else None
            while isinstance(bottom, s.Paren) and bottom.kind == "{":
                bottom = bottom.inner
            base = bottom.base if isinstance(bottom, s.Scripted) else bottom
            if isinstance(base, s.Func) and base.name == "sigma":
                base = s.Sym("\\sigma")
            if isinstance(base, s.Sym):
                squared = isinstance(bottom, s.Scripted) and bottom.sup is not None and bottom.sup.text == "2"
                role = "variance" if base.text == "\\sigma" and squared else names.role(base.text, base.font)
                if role in ("mean", "variance", "deviation"):
                    found.add(role)
    return frozenset(found)


def _other_case(key: str) -> str:
    return key.swapcase() if len(key) == 1 and key.isalpha() else key


def axis_letters(names: Names, model, chains: list[s.Chain]) -> None:
    """Which of a normalization's two entry indices is the feature: the letter the post also puts on a
    per-feature name alone (x_{c,i} with μ_c, w_c: c; the default, x_{i,j} with γ_j: the second)."""
    per_feature = ("scale", "shift") + (("mean", "variance", "deviation") if model.kind == "batch_norm" else ())
    pairs, alone = [], set()
    for chain in chains:
        for node in s.nodes(chain):
            if not (isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and node.sub is not None):
                continue
            role, pieces = names.role(node.base.text, node.base.font), index_pieces(node.sub.text) or []
            letters = [p for p in pieces if p.isalpha() and len(p) == 1]
            if role in ("input", "normalized", "output") and len(letters) == 2 == len(pieces):
                pairs.append(letters)
            elif role in per_feature and len(letters) == 1 == len(pieces):
                alone.add(letters[0])
    first = sum(1 for a, b in pairs if a in alone and b not in alone)
    second = sum(1 for a, b in pairs if b in alone and a not in alone)
    names.feature_first = first > second
    for a, b in pairs:
        feature, sample = (a, b) if names.feature_first else (b, a)
        names.axis_letters.setdefault(feature, "feature")
        names.axis_letters.setdefault(sample, "sample")


def indexes_parameters(names: Names, chains: list[s.Chain]) -> bool:
    """Whether the post writes γ or β with an index (γ_i): per feature, as layer norm has them."""
    for chain in chains:
        for node in s.nodes(chain):
            if isinstance(node, s.Scripted) and node.sub is not None and isinstance(node.base, s.Sym) and \
                    names.role(node.base.text, node.base.font) in ("scale", "shift"):
                return True
    return False


def group_counts(judge: TypedJudge, chains: list[s.Chain]) -> frozenset:
    """The count letters in the chains that define a statistic (μ = 1/D Σ x_i): the size of the group
    the layer normalizes over, in the post's letters. Other count letters count the other axis."""
    if not judge.model.normalizing:
        return frozenset()
    found = set()
    for chain in chains:
        written = written_name(chain.sides[0])
        if written is None and _squared_sigma(chain.sides[0]):
            written = ("\\sigma", "", None)           # σ² = 1/d Σ (x - μ)²
        if written is None or len(chain.sides) < 2:
            continue
        if judge.names.role(written[0], written[1]) in ("mean", "variance") or \
                (written[0] == "\\sigma" and written[2] is None):
            divisors = {n.den.text for n in s.nodes(chain.sides[1:]) if isinstance(n, s.Frac) and
                        isinstance(n.den, s.Sym) and _count_letter(judge.names, n.den)}
            judge.names.counts |= divisors            # σ² = 1/d Σ_k (x_k - μ)²: d counts the group
            found |= {n.text for n in s.nodes(chain.sides[1:]) if isinstance(n, s.Sym) and n.text in judge.names.counts}
    return frozenset(found)


def _squared_sigma(node: s.Node) -> bool:
    return isinstance(node, s.Scripted) and node.sub is None and node.sup is not None and node.sup.text == "2" and \
        written_name(node.base) == ("\\sigma", "", None)


def _count_letter(names: Names, node: s.Sym) -> bool:
    """A letter a statistic is divided by that names nothing of the layer's: the group's size."""
    return len(node.text) == 1 and node.text.isalpha() and not node.font and names.role(node.text) is None and \
        node.text not in LOSSES


def _reads(evaluator: Evaluator, side: s.Node, views) -> bool:
    """Whether a right side reads as an expression of the layer's (a name the post introduces for it)."""
    for view in views:
        try:
            evaluator.side(side, view)
            return True
        except OutOfRange:
            continue
        except (Unread, ZeroDivisionError, TypeError, ValueError, OverflowError):
            return _reads_in_vectors(evaluator, side)
    return False


def _reads_in_vectors(evaluator: Evaluator, side: s.Node) -> bool:
    """σ = √(qᵀq): a normalization's expression that reads in one group's whole vectors (vector_form.py)."""
    if not evaluator.model.normalizing:
        return False
    try:
        vectors(evaluator.model, evaluator.names, evaluator.point).side(side)
        return True
    except (Unread, ZeroDivisionError, ValueError, FloatingPointError):
        return False


def _holds(evaluator: Evaluator, chain: s.Chain, views, point) -> bool:
    tried = False
    for view in views:
        try:
            a, b = (point.value(evaluator.side(side, view)) for side in chain.sides)
        except OutOfRange:
            continue
        except Unread:
            return False
        except (ZeroDivisionError, TypeError, ValueError, OverflowError):
            return False
        tried = True
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            return False
    return tried


def _roles(model) -> list[str]:
    return [role for role in model.tensors if role not in ("upstream",)]


def defined_name(chain: s.Chain):
    """The name a chain's left side defines: a name, or a function of the post's (i(x) = x)."""
    left = chain.sides[0]
    if isinstance(left, s.Juxt) and len(left.items) == 2 and isinstance(left.items[1], s.Paren):
        left = left.items[0]
    return written_name(left)


def written_name(node: s.Node):
    while isinstance(node, s.Paren) and node.kind == "{":
        node = node.inner
    if isinstance(node, s.Sym):
        return node.text, node.font, None
    if isinstance(node, s.Func) and node.name == "sigma":       # σ without an argument: the name
        return "\\sigma", "", None
    if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym) and (node.sup is None or is_label(node.sup.text)):
        return node.base.text, node.base.font, node.sub.text if node.sub else None
    return None


def renames(chain: s.Chain) -> bool:
    """x_1 = x - x̄: a name for an expression of the whole tensor its letter names (no entry equals every entry)."""
    left = chain.sides[0]
    if len(chain.sides) != 2 or not (isinstance(left, s.Scripted) and isinstance(left.base, s.Sym) and
                                     left.sub is not None and left.sub.text.strip("{}").isdigit()):
        return False
    return any(isinstance(n, s.Sym) and n.text == left.base.text and n.font == left.base.font
               for n in s.nodes(chain.sides[1]) if not isinstance(n, s.Scripted))


def names_the_loss(chain: s.Chain, names: Names) -> bool:
    """c = f(Y): a name set to a function the post never defines, of the layer's tensors (the rest of the
    network, to a number): the loss under the post's own name, not a name it defines."""
    if len(chain.sides) != 2 or not isinstance(chain.sides[0], s.Sym):
        return False
    right = chain.sides[1]
    if not (isinstance(right, s.Juxt) and len(right.items) == 2 and isinstance(right.items[0], s.Sym) and
            isinstance(right.items[1], s.Paren) and right.items[1].kind == "("):
        return False
    function, argument = right.items[0].text, right.items[1].inner
    return names.role(function) is None and function not in names.macros and \
        written_name(argument) is not None and names.role(written_name(argument)[0]) is not None


def _gradient_name(names: Names, text: str, font: str) -> bool:
    """dgamma, dout, dx_hat: the loss's gradient by one of the layer's tensors, which a claim of the layer's
    quantities states (dbeta = np.sum(dout, axis=0)); set to the post's own names alone (dx = dp), it names them."""
    return not font and len(text) > 1 and text.startswith("d") and names.role(text[1:]) not in (None, "epsilon")


KNOWN_FUNCTIONS = {"exp", "log", "ln", "tanh", "sqrt", "max", "min", "mean", "var", "sum", "rot", "pad", "flip", "diag"}
ACTIVATION_WORDS = {"relu", "sigmoid", "softmax", "tanh", "gelu", "softplus", "leakyrelu", "elu"}    # in any case


def opaque_definitions(names: Names, chains: list[s.Chain]) -> None:
    """h = LN(y): the post says one of the layer's letters is the value of a function it names and derive does
    not know; the letter is then no longer the tensor the family's table makes it (h the input)."""
    for chain in chains:
        head = written_name(chain.sides[0]) if len(chain.sides) >= 2 else None
        if head is None or names.role(head[0], head[1]) is None:
            continue
        if any(_opaque_call(side, names) for side in chain.sides[1:]):
            names.bind(Names.key(head[0], head[1]), None)


def _opaque_call(side: s.Node, names: Names) -> bool:
    if not (isinstance(side, s.Juxt) and len(side.items) == 2 and isinstance(side.items[1], (s.Paren, s.Args))):
        return False
    function = side.items[0]
    return isinstance(function, s.Sym) and len(function.text) > 1 and function.text.isalpha() and \
        function.text not in KNOWN_FUNCTIONS and function.text.lower() not in ACTIVATION_WORDS and names.role(function.text, function.font) is None and \
        function.text not in names.macros


def bare_losses(chains: list[s.Chain]) -> set[str]:
    """Letters a post writes only bare, never with an index or a label, at least once above a derivative and
    never below one (∂F/∂k_{ij}, F 'any scalar function of the network'): the loss, whatever the letter names
    elsewhere. A tensor the post differentiates by (∂L/∂V) is none."""
    bare, scripted, above, below = set(), set(), set(), set()
    for chain in chains:
        for node in s.nodes(chain):
            if isinstance(node, s.Scripted) and isinstance(node.base, s.Sym):
                scripted.add(node.base.text)
            elif isinstance(node, s.Sym) and len(node.text) == 1 and node.text.isupper() and not node.font:
                bare.add(node.text)
            parts = derivative_parts(node) if isinstance(node, s.Frac) else None
            if parts is not None and isinstance(parts[0], s.Sym) and not parts[0].font:
                above.add(parts[0].text)
            if parts is not None:
                below |= {n.text for n in s.nodes(parts[1]) if isinstance(n, s.Sym)}
    return (bare & above) - scripted - below
