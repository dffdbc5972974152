"""Reading and normalising registers: Excel/CSV files in, one typed pandas table per kind out."""

from .kinds import KINDS
from .cache import ParseCache
from .reader import READER_VERSION, ReadResult, RegisterSheet, SkippedSheet, check_settings, read_folder

__all__ = ["KINDS", "ParseCache", "READER_VERSION", "ReadResult", "RegisterSheet", "SkippedSheet", "check_settings", "read_folder"]
