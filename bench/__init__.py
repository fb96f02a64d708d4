"""Benchmarks: each ``bench/<name>.py`` runs on its own; ``_common`` is what they share."""
