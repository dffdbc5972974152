"""The indicator engine: the YAML library, its filter language and its vectorised evaluation."""

from .engine import compute_indicators
from .library import Library, load_library
from .results import ComputeResult, IndicatorResult

__all__ = ["ComputeResult", "IndicatorResult", "Library", "compute_indicators", "load_library"]
