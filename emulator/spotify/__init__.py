"""Spotify: accounts service (OAuth) and Web API."""
