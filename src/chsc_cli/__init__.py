"""chsc: a community health service centre's registers in, the national public-health indicators out.

The packages read top to bottom; each imports only those above it (import-linter, pyproject.toml):

- `people`, `periods`, `yamlfile`: ID numbers and ages, statistics periods, YAML with line numbers
- `problems`, `config`: the problem records and the one user error; chsc.yaml read and typed
- `registers/`: Excel/CSV files to one typed table per register kind (kinds are YAML data)
- `engine/`: the indicator library loaded and its definitions checked, then evaluated on the tables
- `services/`: what the commands ask for, built on the engine — a data folder opened once
  (`workspace`), chsc.yaml's references (`config_rules`), gaps, progress, report figures, districts
- `outputs/`: tables, JSON, CSV, xlsx, reports (docx/md/html), all written by one atomic writer
- `cli/`: one file per command: parse the options, call a service, render
"""

__version__ = "0.1.0"
