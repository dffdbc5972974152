"""Services built on the indicator engine: what the commands ask for (gaps, progress, district totals).

They import the engine and the registers, never the outputs or the command line.
"""
