"""Platform emulator: Spotify, Apple Music, Deezer and TIDAL on one port (emulator/README.md)."""
