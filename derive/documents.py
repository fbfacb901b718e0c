"""Context -> document: the Jinja2 environments and the JSON of the numbers."""

from __future__ import annotations

import json
import traceback
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from . import flavors
from .errors import DeriveError
from .numeric import Parameters, Values
from .spec import NetworkSpec



PACKAGE_DIR = Path(__file__).resolve().parent


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


def latex_escape(text: str) -> str:
    """A user's string (a title, a unit name) as LaTeX text that prints verbatim."""
    return "".join(LATEX_SPECIALS.get(char, char) for char in str(text))


@cache
def environment(family: str, user_dir: str | None = None) -> jinja2.Environment:
    """One Jinja2 environment per output family (a folder of templates/), strict about undefined names.

    With `user_dir`, templates found there (DIR/FAMILY/NAME or DIR/NAME) override the built-ins by
    name, and everything renders in Jinja2's sandbox.
    """
    builtin = jinja2.FileSystemLoader(templates_dir() / family)
    options = dict(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                   trim_blocks=True, lstrip_blocks=True,
                   **(LATEX_DELIMITERS if family in ("latex", "beamer") else {}))
    if user_dir is None:
        env = jinja2.Environment(loader=builtin, **options)
    else:
        folder = Path(user_dir)
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader([folder / family, folder]), builtin])
        env = SandboxedEnvironment(loader=loader, **options)
    env.filters["tex"] = latex_escape
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
    try:
        return environment(family, user_dir).get_template(template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise DeriveError(f"template {exc.filename or exc.name}, line {exc.lineno}: syntax error: {exc.message}") from None
    except (jinja2.UndefinedError, SecurityError, jinja2.TemplateNotFound) as exc:
        kind = {jinja2.UndefinedError: "undefined variable", SecurityError: "not allowed in a template",
                jinja2.TemplateNotFound: "no such template"}[type(exc)]
        raise DeriveError(f"template {_where(exc.__traceback__, template)}: {kind}: {exc}") from None


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
    return front_matter + render_template("markdown", template, context | {"flavor": flavor}, user_dir)


def numbers(spec: NetworkSpec, values: Values) -> dict[str, Any]:
    """The JSON document: parameters, gradients and updates in the spec's own orientation."""
    doc: dict[str, Any] = {
        "loss": values.forward.loss,
        "parameters": _named(spec, values.parameters),
        "gradients": _named(spec, values.gradients),
        "updated": _named(spec, values.updated),
        "loss_after_step": values.after_step.loss,
        "forward": {f"{kind}{l}": arrays[l - 1].tolist()
                    for kind, arrays in (("net", values.forward.nets), ("out", values.forward.outs))
                    for l in range(1, len(spec.layers) + 1)},
        "deltas": {f"delta{l}": f.delta.tolist() for l, f in enumerate(values.factors, start=1)},
        "outputs_after_step": values.after_step.outs[-1].tolist(),
    }
    if values.training is not None:
        t = values.training
        doc["training"] = {"iterations": t.iterations, "loss": t.loss, "outputs": t.outputs.tolist(),
                           "parameters": _named(spec, t.parameters)}
    return doc


def _named(spec: NetworkSpec, params: Parameters) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for l, (layer, w, b) in enumerate(zip(spec.layers, params.weights, params.biases), start=1):
        named[f"W{l}"] = (w if spec.layout == "column" else w.T).tolist()
        named[f"b{l}"] = float(b[0]) if layer.shared_bias else b.tolist()
    return named


def to_json(spec: NetworkSpec, values: Values) -> str:
    try:
        return json.dumps(numbers(spec, values), indent=2, allow_nan=False) + "\n"
    except ValueError:
        raise DeriveError("a figure is not finite (the training diverged or overflowed); "
                          "expected finite numbers: try a smaller training.learning_rate") from None


