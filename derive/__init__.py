"""derive: step-by-step backpropagation derivations, computed symbolically and checked numerically.

    >>> import derive
    >>> result = derive.derive(derive.load("mazur"))
    >>> print(result.render("markdown"))
"""

__version__ = "0.1.0"

from .api import Result, code, derive, load, render
from .errors import DeriveError, PresetError, SpecError
from .presets import names as preset_names
from .spec import LayerSpec, LossSpec, NetworkSpec, TrainingSpec, from_dict, load_text

__all__ = [
    "DeriveError", "LayerSpec", "LossSpec", "NetworkSpec", "PresetError", "Result", "SpecError",
    "TrainingSpec", "code", "derive", "from_dict", "load", "load_text", "preset_names", "render",
]
