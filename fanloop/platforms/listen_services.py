"""The services a release page can send a fan to listen on, and the links a member may paste:
the platforms' own (declared by each adapter as ``INFO.listen``) and the services fanloop
has no adapter for.

Each service names the hosts and path shapes of the links it accepts; a pasted link is
accepted only over https, on one of those hosts, with one of those paths, and stored in the
canonical form ``https://<host><path>`` (no query string, no fragment: tracking parameters
and session ids are dropped). Accepted forms:

- Spotify: ``https://open.spotify.com/album/<id>``, ``/track/<id>``, ``/artist/<id>``
  (an ``/intl-xx/`` prefix is dropped).
- Apple Music: ``https://music.apple.com/<cc>/album/<name>/<id>``, ``/<cc>/album/<id>``,
  ``/<cc>/song/...``, ``/<cc>/artist/...`` (also ``geo.music.apple.com``).
- Deezer: ``https://www.deezer.com/[<lang>/]album/<id>``, ``/track/<id>``,
  ``/artist/<id>``; ``https://link.deezer.com/s/<code>``.
- TIDAL: ``https://tidal.com/[browse/]album/<id>``, ``/track/<id>``, ``/artist/<id>``
  (also ``listen.tidal.com``).
- YouTube Music: ``https://music.youtube.com/playlist?list=<id>`` (its one query
  parameter kept), ``/browse/<id>``, ``/watch?v=<id>``, ``/channel/<id>``.
- Amazon Music: ``https://music.amazon.<tld>/albums/<id>``, ``/tracks/<id>``,
  ``/artists/<id>/...`` (tld: com, co.uk, de, fr, it, es, ca, com.au, co.jp, com.br,
  com.mx, in).
- SoundCloud: ``https://soundcloud.com/<user>[/<track>|/sets/<set>]``;
  ``https://on.soundcloud.com/<code>``.
- Bandcamp: ``https://<artist>.bandcamp.com/album/<name>``, ``/track/<name>``, or the
  artist's page ``https://<artist>.bandcamp.com/``.
- Custom: any https address on a public host name (no IP literals, no ``localhost``,
  no credentials, no port), with its own label.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from fanloop.platforms.info import LISTEN_ID, ListenService
from fanloop.platforms.registry import INFOS

# A pasted link is stored in a URLField of this length.
URL_MAX_LENGTH = 500
# A custom link's button text ("Listen on <label>").
LABEL_MAX_LENGTH = 40

_ID = LISTEN_ID
_AMAZON_TLDS = (
    "com", "co.uk", "de", "fr", "it", "es", "ca", "com.au", "co.jp", "com.br", "com.mx", "in",
)  # fmt: skip


CUSTOM = "custom"

# The platforms' own first (each adapter's ``INFO.listen``), in the registry's order.
SERVICES: tuple[ListenService, ...] = (
    *(entry.listen for entry in INFOS.values() if entry.listen),
    ListenService(
        "youtubemusic", "YouTube Music", ("music.youtube.com",),
        (r"/playlist", rf"/browse/{_ID}", r"/watch", rf"/channel/{_ID}"),
        keep_query=("list", "v"),
    ),
    ListenService(
        "amazonmusic", "Amazon Music",
        tuple(f"music.amazon.{tld}" for tld in _AMAZON_TLDS),
        (rf"/(?:albums|tracks)/{_ID}", rf"/artists/{_ID}(?:/[^/]+)?"),
    ),
    ListenService(
        "soundcloud", "SoundCloud", ("soundcloud.com", "on.soundcloud.com"),
        (rf"/{_ID}(?:/sets)?(?:/{_ID})?",),
    ),
    ListenService(
        "bandcamp", "Bandcamp", (), (rf"/(?:album|track)/{_ID}", r"/?"),
        host_pattern=r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.bandcamp\.com",
    ),
    ListenService(CUSTOM, "Other", (), (r"/.*",)),
)  # fmt: skip
BY_KEY: dict[str, ListenService] = {s.key: s for s in SERVICES}
KEYS: tuple[str, ...] = tuple(BY_KEY)

_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def parse_listen_url(key: str, raw: str) -> str:
    """``raw`` as a canonical link of service ``key``, or ValueError saying what is wrong."""
    service = BY_KEY.get(key)
    if service is None:
        raise ValueError("Unknown service.")
    text = raw.strip()
    if len(text) > URL_MAX_LENGTH:
        raise ValueError(f"Keep the link under {URL_MAX_LENGTH} characters.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("This is not a web address.") from None
    if parts.scheme != "https":
        raise ValueError("Paste the https:// address (the one your browser shows).")
    host = (parts.hostname or "").lower()
    if parts.username or parts.password or port is not None:
        raise ValueError("The address may not carry a user name, password or port.")
    if key == CUSTOM:
        if not _HOST_NAME.fullmatch(host) or host.endswith((".local", ".localhost")):
            raise ValueError("Use an address on a public host name.")
    elif not service.accepts_host(host):
        raise ValueError(f"This is not a link to {service.label}.")
    path = parts.path or "/"
    if key != CUSTOM and not any(re.fullmatch(p, path) for p in service.paths):
        raise ValueError(f"This {service.label} address is not a release or artist page.")
    if key == CUSTOM:
        return text.split("#", 1)[0]
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k in service.keep_query]
    if service.keep_query and not kept and path in ("/playlist", "/watch"):
        raise ValueError(f"This {service.label} address lacks the release's id.")
    query = f"?{urlencode(kept)}" if kept else ""
    return f"https://{host}{path}{query}"
