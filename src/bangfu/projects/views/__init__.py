"""Project aid's pages, one module per part of the procedure (urls/ mirrors it)."""
