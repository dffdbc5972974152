"""The indicator engine: load the YAML library, check its definitions, evaluate them on the registers.

The services built on it (gaps, progress, district totals, a data folder's workspace) are in
`chsc_cli.services`; nothing here imports them.
"""

from .compute import compute_indicators
from .engine_input import EngineData
from .library import Library, load_library
from .results import ComputeResult, IndicatorResult

__all__ = ["ComputeResult", "EngineData", "IndicatorResult", "Library", "compute_indicators", "load_library"]
