"""Everything chsc renders and writes: tables, JSON, CSV, xlsx and documents.

Every file goes through `chsc_cli.outputs.writer`: atomic, formula-safe, never over a register.
"""
