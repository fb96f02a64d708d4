"""TIDAL: login + OAuth 2.1 (PKCE) under /tidal/login and /tidal/auth, JSON:API under /tidal/v2."""
