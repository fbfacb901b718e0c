"""Context -> document: the Jinja2 environments and the JSON of the numbers."""

from __future__ import annotations

import html
import json
import os
import re
import traceback
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

from ..errors import DeriveError
from ..numeric.evaluator import Parameters, Values
from ..rules.optimizers import OPTIMIZERS
from ..spec.load import NetworkSpec
from . import flavors
from .sandbox import BoundedSandbox, render_bounded

PACKAGE_DIR = Path(__file__).resolve().parent.parent       # derive/, beside output/


def templates_dir() -> Path:
    """derive/templates in an installed wheel; the repository's templates/ in a checkout."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"derive's templates are missing beside {PACKAGE_DIR}")


# TeX's braces and percent signs stay free: LaTeX templates use <% %>, << >> and <# #>.
LATEX_DELIMITERS = {"block_start_string": "<%", "block_end_string": "%>", "variable_start_string": "<<",
                    "variable_end_string": ">>", "comment_start_string": "<#", "comment_end_string": "#>"}
LATEX_SPECIALS = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


# Beyond ASCII, pdflatex (utf8 input, T1 fonts) knows Latin-1, most of Latin Extended-A, and the
# common dashes, quotes and signs (t1enc.dfu, ts1enc.dfu); anything else stops the compile.
LATEX_TEXT = re.compile("[\u00a0-\u0125\u0128-\u0137\u0139-\u013e\u0141-\u0148\u014a-\u0165\u0168-\u017e"
                        "\u2013\u2014\u2018\u2019\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")
LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029][\s\u2028\u2029]*")


def _one_line(text: str) -> str:
    """User text on one line, without control or invisible format characters: a title goes where a
    blank line would end a paragraph (LaTeX's \\subtitle) or a newline a heading (Markdown's #)."""
    text = LINE_BREAKS.sub(" ", str(text))
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c == "\t")


def _latex_char(char: str) -> str:
    if char in LATEX_SPECIALS:
        return LATEX_SPECIALS[char]
    if char.isascii() or LATEX_TEXT.fullmatch(char):
        return char
    # other letters lose their accents (NFKD), and what is left unknown becomes a visible '?'
    folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    return "".join(LATEX_SPECIALS.get(c, c) for c in folded) or "?"


def latex_escape(text: str) -> str:
    """A user's string (a title, a unit name) as LaTeX text that prints verbatim and compiles with
    pdflatex: specials escaped, on one line, characters pdflatex lacks folded or shown as '?'."""
    return "".join(_latex_char(char) for char in _one_line(text))


# What could make Markdown structure anywhere in a line (emphasis, code, tables, math, a heading's
# closing #) is backslash-escaped, as CommonMark, Goldmark and kramdown all read it, and so is a list
# or break marker at the start. What HTML, Liquid (Jekyll) or Hugo's shortcodes would read becomes an
# entity, which Markdown shows as the character; so do the brackets of links and images, since \[ \]
# (like \( \)) read as math delimiters in the source. Bare URLs stay text; GitHub may link them.
MARKDOWN_ESCAPED = re.compile(r"([\\`*_#|$])")
MARKDOWN_LEADING = re.compile(r"^([-+=])|^(\d+)([.)])")
MARKDOWN_ENTITIES = {"{": "&#123;", "}": "&#125;", "~": "&#126;", "[": "&#91;", "]": "&#93;"}


def python_text(text: str) -> str:
    """A user's string inside a generated module's double-quoted docstring or string: one line, with
    backslashes and quotes escaped, so it can neither end the string nor add code."""
    return _one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def markdown_text(text: str) -> str:
    """A user's string (a title, a description) as Markdown text that shows verbatim in every flavor
    and as HTML, never as markup, a script or a site generator's template."""
    escaped = MARKDOWN_ESCAPED.sub(r"\\\1", _one_line(text).strip())
    escaped = MARKDOWN_LEADING.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)
    escaped = html.escape(escaped, quote=False).replace('"', "&quot;")
    return "".join(MARKDOWN_ENTITIES.get(c, c) for c in escaped)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja2's compiled templates on disk, in the user's cache folder, so a new process does not
    compile them again; none where that folder cannot be made (a read-only home)."""
    try:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "derive" / "templates"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):      # RuntimeError: no home folder to be found
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@cache
def environment(family: str, user_dir: str | None = None) -> jinja2.Environment:
    """One Jinja2 environment per output family (a folder of templates/), strict about undefined names.

    With `user_dir`, templates found there (DIR/FAMILY/NAME or DIR/NAME) override the built-ins by
    name, and everything renders in Jinja2's sandbox.
    """
    # the slides share the article's table macros (latex/tables.tex.j2)
    folders = [templates_dir() / family] + ([templates_dir() / "latex"] if family == "beamer" else [])
    builtin = jinja2.FileSystemLoader(folders)
    options = dict(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                   trim_blocks=True, lstrip_blocks=True,
                   **(LATEX_DELIMITERS if family in ("latex", "beamer") else {}))
    if user_dir is None:
        env = jinja2.Environment(loader=builtin, bytecode_cache=_bytecode_cache(), **options)
    else:
        folder = Path(user_dir)
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader([folder / family, folder]), builtin])
        env = BoundedSandbox(loader=loader, **options)
    env.filters["tex"] = latex_escape
    env.filters["md"] = markdown_text
    env.filters["py"] = python_text
    env.filters["display"] = _display
    env.filters["inline"] = _inline
    return env


@jinja2.pass_context
def _display(context, tex: str) -> str:
    return flavors.DISPLAY[context.get("flavor", "mathjax")](tex)


@jinja2.pass_context
def _inline(context, tex: str) -> str:
    return flavors.INLINE[context.get("flavor", "mathjax")](tex)


def render_template(family: str, template: str, context: dict[str, Any], user_dir: str | None = None) -> str:
    """Render one template; any template error becomes one line naming the template and the line."""
    if user_dir is not None and not Path(user_dir).is_dir():
        raise DeriveError(f"--template-dir: no such folder: {user_dir}")
    env = environment(family, user_dir)
    try:
        loaded = env.get_template(template)
        return render_bounded(loaded, context) if user_dir is not None else loaded.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise DeriveError(f"template {exc.filename or exc.name}, line {exc.lineno}: syntax error: {exc.message}") from None
    except (jinja2.UndefinedError, SecurityError, jinja2.TemplateNotFound) as exc:
        kind = next(k for t, k in TEMPLATE_ERRORS if isinstance(exc, t))
        where = _where(exc.__traceback__, _file(family, template, user_dir))
        raise DeriveError(f"template {where}: {kind}: {_first_line(exc)}") from None
    except UnicodeDecodeError as exc:
        raise DeriveError(f"template {_file(family, template, user_dir)}: not UTF-8 text (byte {exc.start + 1})") from None
    except RecursionError:
        raise DeriveError(f"template {_file(family, template, user_dir)}: nested too deeply (a macro or include "
                          "that calls itself without end?)") from None
    except MemoryError:
        raise DeriveError(f"template {_file(family, template, user_dir)}: not allowed in a template: more memory "
                          "than a render may use") from None
    except Exception as exc:   # noqa: BLE001 -- in a user's template any error is the user's, one line
        if user_dir is None:
            raise
        raise DeriveError(f"template {_where(exc.__traceback__, template)}: {type(exc).__name__}: "
                          f"{_first_line(exc)}") from None


TEMPLATE_ERRORS = ((jinja2.UndefinedError, "undefined variable"), (SecurityError, "not allowed in a template"),
                   (jinja2.TemplateNotFound, "no such template"))


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def _file(family: str, template: str, user_dir: str | None) -> str:
    """The user's file that overrides `template`, where an error has no template line to name."""
    for candidate in ((Path(user_dir) / family / template, Path(user_dir) / template) if user_dir else ()):
        if candidate.is_file():
            return str(candidate)
    return template


def _where(tb, template: str) -> str:
    """The innermost template file and line of a traceback (Jinja2 rewrites frames to template lines)."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else template


def render_latex(family: str, context: dict[str, Any], template: str, user_dir: str | None = None) -> str:
    return render_template(family, template, context, user_dir)


def python_module(context: dict[str, Any]) -> str:
    return render_template("code", "module.py.j2", context)


def markdown(context: dict[str, Any], template: str, user_dir: str | None = None, flavor: str = "mathjax",
             front_matter: str = "") -> str:
    text = render_template("markdown", template, context | {"flavor": flavor}, user_dir)
    return front_matter + (flavors.own_paragraphs(text) if flavor in flavors.PARAGRAPHED else text)


def numbers(spec: NetworkSpec, values: Values) -> dict[str, Any]:
    """The JSON document: parameters, gradients and updates in the spec's own orientation."""
    doc: dict[str, Any] = {
        # inputs, targets and parameters as the generated module's loss and gradients take them
        "inputs": values.forward.inputs.tolist(),
        "targets": [[float(v) for v in row] for row in spec.targets],
        "loss": values.forward.cost,
        "parameters": _named(spec, values.parameters),
        "gradients": _named(spec, values.gradients),
        "updated": _named(spec, values.updated),
        "loss_after_step": values.after_step.cost,
        "forward": {f"{kind}{l}": arrays[l - 1].tolist()
                    for kind, arrays in (("net", values.forward.nets), ("out", values.forward.outs))
                    for l in range(1, len(spec.layers) + 1)},
        "deltas": {f"delta{l}": f.delta.tolist() for l, f in enumerate(values.factors, start=1)},
        "outputs_after_step": values.after_step.outs[-1].tolist(),
        "optimizer": _optimizer(spec, values),
    }
    masks = {f"D{l}": {"p": layer.dropout, "mask": [list(layer.kept(s)) for s in range(spec.samples)]}
             for l, layer in enumerate(spec.layers, start=1) if layer.dropout}
    if masks:           # dropout's fixed masks, one row per sample, as the generated module holds them
        doc["dropout"] = masks
    if spec.loss.l2:    # the loss above is the cost: the error plus the penalty
        doc["l2"] = {"lambda": spec.loss.l2, "error": values.forward.loss, "penalty": values.forward.penalty,
                     "error_gradients": _named(spec, values.error_gradients)}
    if values.training is not None:
        t = values.training
        doc["training"] = {"iterations": t.iterations, "loss": t.loss, "outputs": t.outputs.tolist(),
                           "parameters": _named(spec, t.parameters)}
        if t.stopped_at is not None:   # the figures above are the last finite state, after t.iterations steps
            doc["training"]["stopped_at"] = t.stopped_at
    return doc


def _optimizer(spec: NetworkSpec, values: Values) -> dict[str, Any]:
    """The optimizer, its settings, and its state after the first step (as the generated module's
    step returns it: each slot by parameter name)."""
    row = OPTIMIZERS[spec.training.optimizer]
    state = {slot.symbol.name: _named(spec, values.parameters.like(flat))
             for slot, flat in zip(row.state, values.state.slots)}
    return {"name": row.name, "learning_rate": spec.training.learning_rate,
            "hyperparameters": dict(spec.training.hyperparameters), "update_bias": spec.training.update_bias,
            "state_after_step": state}


def _named(spec: NetworkSpec, params: Parameters) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for l, (layer, w, b) in enumerate(zip(spec.layers, params.weights, params.biases), start=1):
        named[f"W{l}"] = (w if spec.layout == "column" else w.T).tolist()
        if layer.has_bias:
            named[f"b{l}"] = float(b[0]) if layer.shared_bias else b.tolist()
    return named


def to_json(spec: NetworkSpec, values: Values) -> str:
    """Strict JSON: every figure is finite (numeric.evaluate refuses a non-finite first step, and
    training keeps its last finite state), so allow_nan=False only guards that promise."""
    return json.dumps(numbers(spec, values), indent=2, allow_nan=False) + "\n"


