"""The reader's tree: what a person wrote, before any name means anything."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


class Node:
    """Base of every syntax node."""


# a superscript that transposes: Aᵀ, A^T, A^\top, A^\intercal, code's A.T read as A^{T}
TRANSPOSES = ("T", "\\top", "⊤", "\\intercal", "t", "\\mathsf{T}", "\\mathrm{T}", "\\text{T}", "\\mathsf{t}")

@dataclass(frozen=True)
class Num(Node):
    text: str


@dataclass(frozen=True)
class Sym(Node):
    text: str                 # a run of letters, a Greek command, or a font command's content
    font: str = ""            # mathbf, mathcal, operatorname ... ('' for plain letters)


@dataclass(frozen=True)
class Partial(Node):
    """The \\partial sign: a marker, its operand is the next item of a product or fraction."""


@dataclass(frozen=True)
class Func(Node):
    name: str                 # exp, ln, log, tanh, sigma, max, min


@dataclass(frozen=True)
class Script:
    text: str                 # the source inside the braces, spaces removed
    node: Node | None         # the same, read as math (None for a lone sign such as +)


@dataclass(frozen=True)
class Scripted(Node):
    base: Node
    sub: Script | None
    sup: Script | None
    primes: int = 0


@dataclass(frozen=True)
class Frac(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Sqrt(Node):
    arg: Node


@dataclass(frozen=True)
class Norm(Node):
    """|x| or \\|v\\|: the absolute value of a number, the length of a vector."""
    arg: Node


@dataclass(frozen=True)
class Rounded(Node):
    """⌊x⌋ or ⌈x⌉: a number rounded down or up, as an output size's formula writes it."""
    arg: Node
    down: bool


@dataclass(frozen=True)
class Paren(Node):
    inner: Node
    kind: str                 # ( or [ or {


@dataclass(frozen=True)
class Matrix(Node):
    rows: tuple[tuple[Node, ...], ...]
    listed: bool = False      # [a, b] as a list of entries: a vector either way round


@dataclass(frozen=True)
class Args(Node):
    """(0, z): the arguments of \\max or \\min."""
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Cases(Node):
    """\\begin{cases} value & condition \\\\ ... \\end{cases}; a condition of None means otherwise."""
    rows: tuple[tuple[Node, Node | None], ...]


@dataclass(frozen=True)
class Juxt(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class BinOp(Node):
    op: str                   # + - * / odot oslash
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class BigSum(Node):
    sub: Script | None
    sup: Script | None
    body: Node


@dataclass(frozen=True)
class BigProd(Node):
    """∏_{j=k+1}^{t} body: a product over a range, as BigSum is a sum."""
    sub: Script | None
    sup: Script | None
    body: Node


@dataclass(frozen=True)
class Chain(Node):
    sides: tuple[Node, ...]
    relations: tuple[str, ...]    # between consecutive sides
    continued: bool               # the line starts with a relation (align's  &= ...)
    text: str                     # the source of the chain
    offset: int                   # of the chain in the region's text
    lines: tuple[int, ...] = ()   # for each relation, how many lines below the chain's start it is written


@dataclass(frozen=True)
class Line:
    chain: Chain | None
    text: str                     # a trailing \text{...}, such as (sample 2), or ''


@dataclass(frozen=True)
class Group(Node):
    lines: tuple[Line, ...]       # braces around a whole region, as \derivefit{...} is


# how a reason names a form that a claim's reading stops at
FORM_WORDS = {"Partial": "a derivative operator applied to what follows it", "Matrix": "a matrix written out",
              "BigProd": "a product over a range", "Norm": "a norm", "Group": "a group of lines",
              "Chain": "a relation inside a formula"}


def form_words(node: Node) -> str:
    return FORM_WORDS.get(type(node).__name__, type(node).__name__.lower())


def factors(node: Node) -> list[Node]:
    """The factors of a written product: through brackets, a leading minus, `*`, `\\cdot` and juxtaposition."""
    if isinstance(node, Paren):
        return factors(node.inner)
    if isinstance(node, Neg):
        return factors(node.arg)
    if isinstance(node, BinOp) and node.op == "*":
        return factors(node.left) + factors(node.right)
    if isinstance(node, Juxt):
        return [f for item in node.items for f in factors(item)]
    return [node]


# fields that hold text or numbers, never a node: a walk need not visit them. Read off the field
# annotations, which are strings here (from __future__ import annotations); a test holds every
# tree of the corpora to it
_LEAVES = {"str", "int", "bool", "tuple[str, ...]", "tuple[int, ...]"}
_NODE_FIELDS: dict[type, tuple[str, ...]] = {}


def node_fields(item) -> tuple[str, ...]:
    """The names of a syntax dataclass's fields that may hold nodes, in their order ((): not a dataclass)."""
    kind = type(item)
    found = _NODE_FIELDS.get(kind)
    if found is None:
        found = _NODE_FIELDS[kind] = tuple(f.name for f in fields(kind) if f.type not in _LEAVES) \
            if hasattr(kind, "__dataclass_fields__") else ()
    return found


def nodes(node):
    """Every syntax node of a formula (scripts and rows included), each once."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            yield item
            stack.extend(getattr(item, name) for name in node_fields(item))


def rebuilt(item, change):
    """The tree with `change` applied to every node, innermost first; `change` returns the node or the node
    that replaces it. Untouched subtrees are the same objects."""
    if isinstance(item, tuple):
        items = tuple(rebuilt(x, change) for x in item)
        return item if all(a is b for a, b in zip(items, item)) else items
    if not hasattr(item, "__dataclass_fields__"):
        return item
    updates = {}
    for name in node_fields(item):
        old = getattr(item, name)
        new = rebuilt(old, change)
        if new is not old:
            updates[name] = new
    item = replace(item, **updates) if updates else item
    return change(item) if isinstance(item, Node) else item
