"""The REST API under ``/api/v1/`` (django-ninja) and its per-workspace tokens."""
