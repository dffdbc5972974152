"""`python -m chsc_cli …` is `chsc …` (for a PC where the console script is not on PATH)."""

from chsc_cli.launch import main

main()
