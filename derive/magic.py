"""%%derive, a cell magic for IPython and Jupyter: a spec's TOML in the cell, its derivation below.

    %load_ext derive.magic

    %%derive --notation layer
    [input]
    ...

A bad spec shows its one-line error (UsageError: no traceback), as the command line does.
"""

from __future__ import annotations

import argparse
import shlex

from .errors import DeriveError
from .output.flavors import FLAVORS
from .spec.load import NOTATIONS


def load_ipython_extension(ipython) -> None:
    ipython.register_magic_function(derive_cell, magic_kind="cell", magic_name="derive")


class _Options(argparse.ArgumentParser):
    def error(self, message: str):          # a notebook cell must not exit the kernel
        raise ValueError(message)


def _options() -> argparse.ArgumentParser:
    parser = _Options(prog="%%derive", add_help=False)
    parser.add_argument("--notation", choices=NOTATIONS)
    parser.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    parser.add_argument("--flavor", choices=FLAVORS, default="mathjax")
    return parser


def derive_cell(line: str, cell: str):
    from IPython.core.error import UsageError
    from IPython.display import Latex, Markdown

    from .api import derive, render
    from .spec.load import load_text
    try:
        options = _options().parse_args(shlex.split(line))
    except (argparse.ArgumentError, ValueError) as exc:
        raise UsageError(f"%%derive: {exc}") from None
    try:
        result = derive(load_text(cell, source="%%derive cell"))
        if options.format == "latex":
            return Latex(render(result, "latex", options.notation, fragment=True))
        return Markdown(render(result, "markdown", options.notation, flavor=options.flavor))
    except DeriveError as exc:
        raise UsageError(str(exc)) from None
