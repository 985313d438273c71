"""Project aid's forms, one module per part of the procedure."""
