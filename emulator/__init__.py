"""Platform emulator: Spotify, Apple Music and Deezer on one port (see emulator/README.md)."""
