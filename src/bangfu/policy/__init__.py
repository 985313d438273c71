"""Rules as data: district policies with dated parameters, the evaluation engine, the `policy` command."""
