"""Apple Music: developer tokens, MusicKit authorization and the Apple Music API."""
