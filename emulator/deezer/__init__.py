"""Deezer: connect (OAuth) and the REST API."""
