"""The command line: one small module per command; each turns strings into library objects, calls
one library function and hands the result to `outputs` for printing."""
