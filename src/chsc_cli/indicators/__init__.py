"""The indicator engine: the YAML library, its filter language and its vectorised evaluation."""

from .data import EngineData
from .engine import compute_indicators
from .gaps import GapList, gap_list
from .library import Library, load_library
from .results import ComputeResult, IndicatorResult

__all__ = ["ComputeResult", "EngineData", "GapList", "gap_list", "IndicatorResult", "Library", "compute_indicators", "load_library"]
