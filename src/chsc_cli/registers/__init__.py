"""Reading and normalising registers: Excel/CSV files in, one typed pandas table per kind out."""

from .kinds import KINDS, LOOKUPS, VALUE_SETS, active_catalogue, use_register_kinds
from .cache import ParseCache
from .reader import READER_VERSION, read_folder
from .records import ReadResult, RegisterSheet, SkippedSheet

__all__ = [
    "KINDS",
    "LOOKUPS",
    "VALUE_SETS",
    "ParseCache",
    "READER_VERSION",
    "ReadResult",
    "RegisterSheet",
    "SkippedSheet",
    "active_catalogue",
    "read_folder",
    "use_register_kinds",
]
