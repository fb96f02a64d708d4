"""A release's pasted listen links: one row per (release, service), written in one service."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from fanloop.catalog.models import ListenLink, Release
from fanloop.platforms.listen_services import (
    BY_KEY,
    CUSTOM,
    KEYS,
    LABEL_MAX_LENGTH,
    parse_listen_url,
)


def links_of(release: Release) -> dict[str, ListenLink]:
    """The release's pasted links by service key."""
    return {link.service: link for link in ListenLink.objects.filter(release=release)}


def set_listen_links(
    release: Release, urls: Mapping[str, str], custom_label: str = ""
) -> dict[str, ListenLink]:
    """Replace the release's pasted links with ``urls`` (service key → pasted address; an
    empty address removes the service). Everything is checked first: a ValidationError
    (keyed by service) leaves the stored links as they were."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for key, raw in urls.items():
        if key not in BY_KEY:
            errors.setdefault("__all__", []).append(f"Unknown service “{key}”.")
            continue
        if not raw.strip():
            continue
        try:
            clean[key] = parse_listen_url(key, raw)
        except ValueError as error:
            errors[key] = [str(error)]
    label = " ".join(custom_label.split())
    if len(label) > LABEL_MAX_LENGTH:
        errors["custom_label"] = [f"Keep the label under {LABEL_MAX_LENGTH} characters."]
    elif CUSTOM in clean and not label:
        errors["custom_label"] = ["Name the custom link (it reads “Listen on <name>”)."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ListenLink.objects.filter(release=release).exclude(service__in=list(clean)).delete()
        for key in KEYS:
            if key in clean:
                ListenLink.objects.update_or_create(
                    release=release,
                    service=key,
                    defaults={"url": clean[key], "label": label if key == CUSTOM else ""},
                )
        # The public page's cache key includes ``updated``: saving it makes every process
        # render the new links (and this one forget its copy at once, campaigns/signals.py).
        release.save(update_fields=["updated"])
    return links_of(release)
