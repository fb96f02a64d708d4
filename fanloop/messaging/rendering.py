"""Rendering an email template: the context, the sandboxed bodies, the branded layout,
and the rewrite of links into signed click-tracking redirects.

Templates see plain values only (strings, lists, dicts, and the save and follow links
as callables the template language turns into strings when it reads them), never models:
a template cannot walk from ``fan`` to its tokens or to the workspace's members.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from fanloop.catalog.models import Artist, Release
from fanloop.catalog.release_urls import listen_links
from fanloop.fans.models import Fan, PreSave
from fanloop.fans.rights import portal_url
from fanloop.messaging import sandbox, tokens
from fanloop.messaging.action_links import action_url
from fanloop.messaging.models import EmailTemplate
from fanloop.messaging.sandbox import HTML_ENGINE, TEXT_ENGINE

HTML_HREF = re.compile(r"""href=(["'])(https?://[^"']+)\1""", re.IGNORECASE)
TEXT_URL = re.compile(r"""https?://[^\s<>"'()]+""", re.IGNORECASE)
# Compiled template parts kept, by engine and source text: a batch of sends compiles each
# part once, and an edited template is a new source (the old one ages out).
COMPILED_CACHE_SIZE = 128

# Shown in previews and test sends: a sample fan, never anyone's data.
SAMPLE_FAN = {
    "name": "Alex Sample",
    "first_name": "Alex",
    "email": "alex@example.com",
    "country": "US",
}


class TemplateProblem(ValueError):
    """The template cannot be rendered (syntax or render error); the message says why."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _absolute(file: FieldFile | None) -> str:
    if not file:
        return ""
    url = file.url
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def _fan_values(fan: Fan) -> dict[str, str]:
    name = fan.display_name.strip()
    return {
        "name": name,
        "first_name": name.split()[0] if name else "",
        "email": fan.email,
        "country": fan.country,
    }


def _artist_values(artist: Artist | None, workspace_name: str) -> dict[str, str]:
    if artist is None:
        return {"name": workspace_name, "image_url": ""}
    return {"name": artist.name, "image_url": _absolute(artist.image)}


def _release_values(release: Release | None) -> dict[str, str] | None:
    if release is None:
        return None
    return {
        "title": release.title,
        "type": release.get_release_type_display(),
        "artwork_url": _absolute(release.artwork),
        "url": release.public_url,
        "release_date": release.release_date.isoformat(),
    }


def _listen_links(release: Release | None) -> list[tuple[str, str]]:
    if release is None:
        return []
    return [(p.name, settings.SITE_URL + path) for p, path in listen_links(release)]


class SharedValues:
    """The parts of the context that depend on the artist and release alone, built once
    for the messages of a send (a chunk of fans getting the same release's email)."""

    def __init__(self) -> None:
        self._values: dict[tuple[int | None, int | None, str], dict[str, Any]] = {}
        self._chosen: dict[int, dict[int, str]] = {}
        self._keys: dict[int, list[str]] = {}

    def chosen_platform(self, release: Release, fan_id: int) -> str:
        """The platform ``fan_id`` chose on the release's email path ("" if none): one
        query per release and send."""
        chosen = self._chosen.get(release.pk)
        if chosen is None:
            rows = PreSave.objects.filter(release=release, platform=PreSave.EMAIL_ONLY).exclude(
                chosen_platform=""
            )
            chosen = self._chosen[release.pk] = dict(rows.values_list("fan_id", "chosen_platform"))
        return chosen.get(fan_id, "")

    def listen_keys(self, release: Release) -> list[str]:
        """The platform keys of ``listen_links``, in the same order."""
        keys = self._keys.get(release.pk)
        if keys is None:
            keys = self._keys[release.pk] = [p.key for p, _ in listen_links(release)]
        return keys

    def get(
        self, artist: Artist | None, release: Release | None, workspace_name: str
    ) -> dict[str, Any]:
        key = (artist.pk if artist else None, release.pk if release else None, workspace_name)
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = {
                "artist": _artist_values(artist, workspace_name),
                "release": _release_values(release),
                "listen_links": _listen_links(release),
            }
        return values


def fan_context(
    fan: Fan,
    *,
    artist: Artist | None,
    release: Release | None,
    message_pk: int | None,
    extra: dict[str, Any] | None = None,
    shared: SharedValues | None = None,
) -> dict[str, Any]:
    """The context of a real send (what ``sending.send_email`` renders a template with).

    The one-click save and follow links are signed only if the template shows them
    (callables, which the template language calls when it reads them)."""
    artist = artist or (release.artist if release is not None else None)
    save_url: Callable[[], str] | str = ""
    follow_url: Callable[[], str] | str = ""
    if release is not None:
        save_url = functools.partial(action_url, fan.pk, release.pk, "save")
        follow_url = functools.partial(action_url, fan.pk, release.pk, "follow")
    track_links: Callable[[], list[tuple[str, str]]] | list[tuple[str, str]] = []
    if release is not None:
        track_links = functools.partial(_track_links, fan.pk, release)
    shared = shared or SharedValues()
    context: dict[str, Any] = {
        "fan": _fan_values(fan),
        **shared.get(artist, release, fan.workspace.name),
        "save_url": save_url,
        "track_links": track_links,
        "follow_url": follow_url,
        "unsubscribe_url": tokens.unsubscribe_url(tokens.unsubscribe_token(fan.pk, message_pk)),
        "portal_url": portal_url(fan),
        "workspace_name": fan.workspace.name,
    }
    if release is not None:
        chosen = shared.chosen_platform(release, fan.pk)
        if chosen:  # an email pre-saver's platform leads: one tap opens it there
            keys = shared.listen_keys(release)
            links = list(context["listen_links"])
            order = sorted(range(len(links)), key=lambda i: keys[i] != chosen)
            context["listen_links"] = [links[i] for i in order]
    context.update(extra or {})
    return context


def _track_links(fan_id: int, release: Release) -> list[tuple[str, str]]:
    """(title, one-click "save this track" link) per track of the release: the artist's
    focus track first, then album order."""
    tracks = sorted(release.tracks.all(), key=lambda t: t.position != release.focus_track)
    return [
        (track.title, action_url(fan_id, release.pk, "save_track", track.position))
        for track in tracks
    ]


def _inert(what: str) -> str:
    return settings.SITE_URL + reverse("messaging:test_link", args=[what])


def preview_context(template: EmailTemplate, *, fan: Fan | None = None) -> dict[str, Any]:
    """A context for previews and test sends: a sample (or the chosen) fan, the artist's
    latest release, and links that only explain what they would do."""
    artist = template.artist
    releases = Release.objects.filter(artist__workspace_id=template.workspace_id)
    if artist is not None:
        releases = releases.filter(artist=artist)
    release = releases.select_related("artist").order_by("-release_date", "-pk").first()
    artist = artist or (release.artist if release is not None else None)
    return {
        "fan": _fan_values(fan) if fan is not None else dict(SAMPLE_FAN),
        "artist": _artist_values(artist, template.workspace.name),
        "release": _release_values(release)
        or {
            "title": "Your next release",
            "type": "Single",
            "artwork_url": "",
            "url": "",
            "release_date": "",
        },
        "listen_links": _listen_links(release) or [("Spotify", _inert("listen"))],
        "save_url": _inert("save"),
        "track_links": [(t.title, _inert("save_track")) for t in release.tracks.all()]
        if release is not None
        else [("Your favourite track", _inert("save_track"))],
        "follow_url": _inert("follow"),
        "unsubscribe_url": tokens.unsubscribe_url(tokens.test_unsubscribe_token()),
        "portal_url": _inert("portal"),
        "workspace_name": template.workspace.name,
    }


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _compile(engine: Any, source: str) -> Template:
    """``engine.from_string(source)``, cached: a compiled template renders in any thread."""
    template: Template = engine.from_string(source)
    return template


def _render(engine: Any, source: str, context: dict[str, Any], field: str) -> str:
    """One part rendered within the sandbox's limits (the message's, when in one)."""
    try:
        with sandbox.budget():
            compiled = _compile(engine, source)
            output = compiled.render(Context(context, autoescape=engine.autoescape))
            return sandbox.check_output(str(output))
    except sandbox.RenderLimit as exc:
        raise TemplateProblem(f"{field}: {exc}") from exc
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"{field}: {exc}") from exc
    except Exception as exc:
        raise TemplateProblem(f"{field}: {type(exc).__name__}: {exc}") from exc


def text_to_html(text: str) -> str:
    """A text body as HTML: escaped, its http(s) URLs as links (trailing punctuation left
    out), blank lines as paragraphs and line breaks as ``<br>`` — ``linebreaks(urlize())``
    for the links emails hold, at a fraction of the cost."""
    parts: list[str] = []
    done = 0
    for match in TEXT_URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        link = html.escape(url)
        parts += [html.escape(text[done : match.start()]), f'<a href="{link}">{link}</a>']
        done = match.start() + len(url)
    parts.append(html.escape(text[done:]))
    return linebreaks("".join(parts), autoescape=False)


class _Built:
    """A link fanloop builds only when the template shows it (save, follow), remembered
    in ``seen`` once built: a link fanloop made may be tracked."""

    def __init__(self, build: Callable[[], str], seen: set[str]) -> None:
        self.build, self.seen = build, seen

    def __call__(self) -> str:
        url = str(self.build())
        self.seen.add(url)
        return url


class _BuiltPairs:
    """The (title, link) pairs fanloop builds only when the template shows them (the
    one-click track saves), each link remembered in ``seen`` like ``_Built``'s."""

    def __init__(self, build: Callable[[], list[tuple[str, str]]], seen: set[str]) -> None:
        self.build, self.seen = build, seen

    def __call__(self) -> list[tuple[str, str]]:
        pairs = [(str(title), str(url)) for title, url in self.build()]
        self.seen.update(url for _, url in pairs)
        return pairs


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _written_links(*sources: str) -> frozenset[str]:
    """The http(s) URLs the template's author wrote, as written and HTML-unescaped."""
    found: set[str] = set()
    for source in sources:
        for match in TEXT_URL.finditer(source):
            url = match.group(0).rstrip(".,;:!?")
            found |= {url, html.unescape(url)}
    return frozenset(found)


def _built_links(context: dict[str, Any]) -> set[str]:
    """The release and platform links fanloop put in the context."""
    found: set[str] = set()
    release = context.get("release")
    if isinstance(release, dict) and release.get("url"):
        found.add(str(release["url"]))
    for link in context.get("listen_links") or ():
        found.add(str(link[1]))
    return found


class _Tracker:
    """The click-tracking URL of each link of one message, signed once per URL (the text
    and HTML bodies mostly hold the same links). Only ``trackable`` URLs are tracked —
    those the template's author wrote or fanloop built —, never a URL that came from
    fan data (a signed redirect to it would be an open redirect); ``keep`` URLs (the
    unsubscribe and portal links) stay as they are."""

    def __init__(self, message_pk: int, keep: set[str], trackable: AbstractSet[str]) -> None:
        self.message_pk = message_pk
        self.urls = {url: url for url in keep}
        self.trackable = trackable

    def __call__(self, url: str) -> str:
        tracked = self.urls.get(url)
        if tracked is None:
            trackable = url in self.trackable
            tracked = tokens.click_url(self.message_pk, url) if trackable else url
            self.urls[url] = tracked
        return tracked


def _track_html(body: str, track: _Tracker) -> str:
    def replace(match: re.Match[str]) -> str:
        quote_char, url = match.group(1), html.unescape(match.group(2))
        tracked = track(url)
        if tracked == url:
            return match.group(0)
        return f"href={quote_char}{html.escape(tracked, quote=True)}{quote_char}"

    return HTML_HREF.sub(replace, body)


def _track_text(body: str, track: _Tracker) -> str:
    def replace(match: re.Match[str]) -> str:
        url = match.group(0).rstrip(".,;:!?")
        return track(url) + match.group(0)[len(url) :]

    return TEXT_URL.sub(replace, body)


def render_message(
    template: EmailTemplate,
    context: dict[str, Any],
    *,
    track_message_pk: int | None = None,
) -> Rendered:
    """Subject, text and branded HTML of ``template``; with ``track_message_pk`` the links
    become click-tracking redirects (and the open pixel is added when enabled).
    TemplateProblem when a part does not render, or not within the sandbox's limits."""
    with sandbox.budget():
        return _render_message(template, context, track_message_pk)


def _render_message(
    template: EmailTemplate, context: dict[str, Any], track_message_pk: int | None
) -> Rendered:
    built: set[str] = set()
    context = dict(context)
    for name in ("save_url", "follow_url"):
        link = context.get(name)
        if callable(link):
            context[name] = _Built(link, built)
    pairs = context.get("track_links")
    if callable(pairs):
        context["track_links"] = _BuiltPairs(pairs, built)
    subject = " ".join(_render(TEXT_ENGINE, template.subject, context, "Subject").split())
    text = _render(TEXT_ENGINE, template.text_body, context, "Text").strip()
    if template.html_body.strip():
        body_html = _render(HTML_ENGINE, template.html_body, context, "HTML")
    else:
        body_html = text_to_html(text)
    pixel = ""
    if track_message_pk is not None and settings.EMAIL_OPEN_TRACKING:
        pixel = tokens.open_url(track_message_pk)
    layout = {**context, "subject": subject, "body_html": mark_safe(body_html), "pixel": pixel}
    html_out: str = render_to_string("messaging/email/layout.html", layout)
    text_out: str = render_to_string("messaging/email/layout.txt", {**context, "body_text": text})
    if track_message_pk is not None:
        keep = {str(context.get("unsubscribe_url", "")), str(context.get("portal_url", ""))}
        written = _written_links(template.subject, template.text_body, template.html_body)
        trackable = written | _built_links(context) | built
        track = _Tracker(track_message_pk, keep, trackable)
        html_out = _track_html(html_out, track)
        text_out = _track_text(text_out, track)
    # Plain strings, not the loader's SafeStrings: a page showing them must escape them.
    return Rendered(subject=subject, text=str.__str__(text_out), html=str.__str__(html_out))


def check_template(template: EmailTemplate) -> None:
    """ValidationError (per field) when a part does not compile or fails on a sample fan."""
    context = preview_context(template)
    errors: dict[str, str] = {}
    for field, engine, source in (
        ("subject", TEXT_ENGINE, template.subject),
        ("text_body", TEXT_ENGINE, template.text_body),
        ("html_body", HTML_ENGINE, template.html_body),
    ):
        try:
            _render(engine, source, context, field)
        except TemplateProblem as exc:
            errors[field] = str(exc.__cause__ or exc)
    if errors:
        raise ValidationError(errors)
