"""Dashboard forms: they parse what people type and hand it to the catalog services.

Field checks reuse the validators so every mistake shows at once; the services
check everything again (plus uniqueness and artwork), so they stay the authority.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BoundField, formset_factory
from django.utils.html import escape

from fanloop.catalog import platform_ids
from fanloop.catalog.models import Artist, ReleaseMode, ReleaseType, Theme
from fanloop.catalog.services import (
    SOCIAL_FIELDS,
    ArtistFields,
    ReleaseFields,
    TrackInput,
    time_zones,
)
from fanloop.catalog.share_links import example
from fanloop.catalog.validators import (
    ARTWORK_MIN_PX,
    ARTWORK_SIZE_PX,
    normalize_isrc,
    normalize_upc,
    validate_isrc,
    validate_upc,
)
from fanloop.platforms.registry import in_app_presave_field, in_app_presave_link

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


def _image_help() -> str:
    return (
        f"JPEG, PNG or WebP, at least {ARTWORK_MIN_PX}\u00d7{ARTWORK_MIN_PX} pixels, up to "
        f"{settings.ARTWORK_MAX_BYTES // (1024 * 1024)} MB. Square works best; it is resized "
        f"to fit {ARTWORK_SIZE_PX}\u00d7{ARTWORK_SIZE_PX}."
    )


def _link_input(placeholder: str) -> forms.TextInput:
    # Not type=url: people paste "open.spotify.com/…" and "spotify:artist:…" too.
    return forms.TextInput(
        attrs={"inputmode": "url", "placeholder": placeholder, "autocomplete": "off"}
    )


def zone_choices() -> list[tuple[str, Any]]:
    """IANA zones grouped by region for the select, UTC first."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for zone in sorted(time_zones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        groups.setdefault(zone.split("/", 1)[0], []).append((zone, zone.replace("_", " ")))
    return [("UTC", "UTC"), *((region, zones) for region, zones in groups.items())]


def file_change(value: Any) -> tuple[bool, Any]:
    """(changed, new value) from a ClearableFileInput: False means "clear"."""
    if value is False:
        return True, None
    if value is not None and hasattr(value, "content_type"):  # a fresh upload
        return True, value
    return False, None


class ArtistForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.CharField(
        label="Page address",
        required=False,
        max_length=60,
        help_text="Lowercase letters, digits and hyphens; leave empty to make one from the "
        "name. Changing it breaks links already shared.",
    )
    image = forms.FileField(
        label="Artist image",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in platform_ids.labels().items():
            self.fields[platform_ids.artist_field(key)] = forms.CharField(
                label=f"{label} artist link",
                required=False,
                max_length=300,
                widget=_link_input(example(key, "artist") or "https://…"),
            )
        for field, label in SOCIAL_FIELDS:
            self.fields[field] = forms.CharField(
                label=f"{label} link",
                required=False,
                max_length=300,
                widget=_link_input("https://…"),
            )
        self.fields["image"].help_text = _image_help()
        # Django renders help text unescaped: escape the configured URL.
        self.fields["slug"].help_text = (
            f"Fan pages live at {escape(settings.SITE_URL)}/this-address/release-title. "
            + str(self.fields["slug"].help_text)
        )

    def platform_fields(self) -> list[BoundField]:
        return [self[platform_ids.artist_field(key)] for key in platform_ids.keys()]

    # Early checks so every mistake shows at once; the service checks again.
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_platform_fields(self, platform_ids.artist_field, platform_ids.parse_artist_link)
        return data

    def service_fields(self) -> ArtistFields:
        data = self.cleaned_data
        fields: ArtistFields = {
            "name": data["name"],
            "slug": data["slug"],
            "platform_links": {
                key: data[platform_ids.artist_field(key)] for key in platform_ids.keys()
            },
            "website_url": data["website_url"],
            "instagram_url": data["instagram_url"],
            "tiktok_url": data["tiktok_url"],
            "youtube_url": data["youtube_url"],
        }
        changed, image = file_change(data.get("image"))
        if changed:
            fields["image"] = image
        return fields


def _check_platform_fields(
    form: forms.Form, field_name: Callable[[str], str], parse: Callable[[str, str], object]
) -> None:
    """Parse each platform's field with the catalog's rule, so a wrong link shows on it."""
    for key in platform_ids.keys():
        field = field_name(key)
        if field not in form.cleaned_data:  # already refused (too long)
            continue
        text = str(form.cleaned_data[field]).strip()
        form.cleaned_data[field] = text
        if text:
            try:
                parse(key, text)
            except ValidationError as error:
                form.add_error(field, error)


def artist_initial(artist: Artist) -> dict[str, Any]:
    links = platform_ids.artist_links(artist)
    return {
        "name": artist.name,
        "slug": artist.slug,
        "image": artist.image or None,
        **{platform_ids.artist_field(key): links.get(key, "") for key in platform_ids.keys()},
        **{field: getattr(artist, field) for field, _ in SOCIAL_FIELDS},
    }


class ReleaseForm(forms.Form):
    artist = forms.ModelChoiceField(queryset=Artist.objects.none(), empty_label=None)
    title = forms.CharField(max_length=200)
    slug = forms.CharField(
        label="Page address",
        required=False,
        max_length=80,
        help_text="The last part of the page's link; leave empty to make one from the title. "
        "Changing it breaks links already shared (the short link keeps working).",
    )
    release_type = forms.ChoiceField(label="Type", choices=ReleaseType.choices)
    artwork = forms.FileField(
        required=False, widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT})
    )
    release_mode = forms.ChoiceField(
        label="Goes live at",
        choices=ReleaseMode.choices,
        initial=ReleaseMode.LOCAL_MIDNIGHT,
        widget=forms.RadioSelect,
    )
    release_date = forms.DateField(
        label="Release date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    release_time = forms.TimeField(
        label="Release time",
        required=False,
        help_text="Only for one global instant; local-midnight releases ignore it.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    release_time_zone = forms.ChoiceField(
        label="Time zone",
        initial="UTC",
        help_text="One global instant: the zone of the date and time above. Midnight local "
        "time: the zone used for visitors whose country is unknown.",
    )
    upc = forms.CharField(
        label="UPC / EAN",
        required=False,
        max_length=32,
        help_text="12 or 13 digits from your distributor; used to find the release on each "
        "platform on release day.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    label_line = forms.CharField(
        label="Label line",
        required=False,
        max_length=200,
        help_text="For example “℗ 2026 Alice Band under exclusive licence to …”.",
    )
    description = forms.CharField(
        label="Text before release",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    post_release_description = forms.CharField(
        label="Text after release",
        required=False,
        max_length=2000,
        help_text="Shown instead of the text above once the release is out; leave empty "
        "to keep the same text.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    theme = forms.ChoiceField(
        label="Page look",
        choices=Theme.choices,
        initial=Theme.DARK,
        required=False,  # not sent: the page keeps its look
        widget=forms.RadioSelect,
    )
    accent_color = forms.CharField(
        label="Accent colour",
        required=False,
        max_length=7,
        help_text="Like #3366ff. Leave empty to take it from the artwork.",
        widget=forms.TextInput(attrs={"placeholder": "#3366ff", "autocomplete": "off"}),
    )
    in_app_presave_url = forms.CharField(
        label=in_app_presave_field()[0],
        required=False,
        max_length=300,
        widget=_link_input(in_app_presave_field()[1]),
        help_text=in_app_presave_field()[2],
    )

    consents_upfront = forms.BooleanField(
        label="Ask for consents on the release page",
        required=False,
        help_text="Off (recommended): fans pre-save with the fewest permissions and are "
        "offered “follow the artist” and “save future releases” on the thank-you page. "
        "On: unticked checkboxes for both appear next to the pre-save buttons.",
    )

    focus_track = forms.IntegerField(
        label="Focus track",
        required=False,
        min_value=1,
        max_value=100,
        help_text="Optional: the number of the track offered first when fans who already "
        "have the release are asked “which track is yours?”.",
    )

    def __init__(self, *args: Any, artists: QuerySet[Artist], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        artist_field = self.fields["artist"]
        assert isinstance(artist_field, forms.ModelChoiceField)
        artist_field.queryset = artists
        zone_field = self.fields["release_time_zone"]
        assert isinstance(zone_field, forms.ChoiceField)
        zone_field.choices = zone_choices()
        self.fields["artwork"].help_text = _image_help()
        for key, label in platform_ids.labels().items():
            self.fields[platform_ids.album_field(key)] = album_id_field(key, label)

    def platform_fields(self) -> list[BoundField]:
        return [self[platform_ids.album_field(key)] for key in platform_ids.keys()]

    # Early checks so every mistake shows at once, even when a track row is wrong too;
    # the service checks again (and checks what needs the database, like duplicates).
    def clean_upc(self) -> str:
        upc = normalize_upc(self.cleaned_data.get("upc", ""))
        if upc:
            validate_upc(upc)
        return upc

    def clean_in_app_presave_url(self) -> str:
        text: str = self.cleaned_data.get("in_app_presave_url", "").strip()
        if text:
            try:
                in_app_presave_link(text)
            except ValueError as error:
                raise ValidationError(str(error)) from None
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_platform_fields(self, platform_ids.album_field, platform_ids.parse_album)
        if data.get("release_mode") == ReleaseMode.GLOBAL and data.get("release_time") is None:
            if "release_time" not in self.errors:
                self.add_error(
                    "release_time", "Enter the time of the global release instant (e.g. 00:00)."
                )
        return data

    def service_fields(self) -> ReleaseFields:
        data = self.cleaned_data
        fields: ReleaseFields = {
            "title": data["title"],
            "slug": data["slug"],
            "release_type": data["release_type"],
            "release_mode": data["release_mode"],
            "release_date": data["release_date"],
            "release_time_zone": data["release_time_zone"],
            "upc": data["upc"],
            "label_line": data["label_line"],
            "description": data["description"],
            "platform_ids": {
                key: data[platform_ids.album_field(key)] for key in platform_ids.keys()
            },
            "in_app_presave_url": data["in_app_presave_url"],
            "consents_upfront": bool(data.get("consents_upfront")),
            "focus_track": data.get("focus_track"),
            "post_release_description": data["post_release_description"],
            "accent_color": data["accent_color"],
        }
        if data.get("theme"):
            fields["theme"] = data["theme"]
        if data.get("release_time") is not None:
            fields["release_time"] = data["release_time"]
        changed, artwork = file_change(data.get("artwork"))
        if changed:
            fields["artwork"] = artwork
        return fields


def album_id_field(key: str, label: str) -> forms.CharField:
    """The field where a member pastes a release's album (link or id) on platform ``key``."""
    return forms.CharField(
        label=f"{label} album link or id",
        required=False,
        max_length=300,
        widget=_link_input(example(key, "album") or "https://…"),
    )


class TrackForm(forms.Form):
    position = forms.IntegerField(
        label="#", required=False, min_value=1, max_value=999, widget=forms.NumberInput()
    )
    title = forms.CharField(max_length=200)
    isrc = forms.CharField(
        label="ISRC",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "CC-XXX-YY-NNNNN", "autocomplete": "off"}),
    )

    def clean_isrc(self) -> str:
        # Shown on the row right away; the service checks again for every caller.
        typed: str = self.cleaned_data.get("isrc", "")
        if normalize_isrc(typed):
            validate_isrc(typed)  # the message quotes what was typed
        return normalize_isrc(typed)


def track_formset(
    data: Any = None, *, initial: list[dict[str, Any]] | None = None, extra: int = 3
) -> Any:
    """The track rows of the release form, with ``extra`` blank rows to fill in."""
    formset_class = formset_factory(
        TrackForm, extra=extra, can_delete=True, max_num=100, validate_max=True
    )
    return formset_class(data, initial=initial, prefix="tracks")


def tracks_from_formset(formset: Any) -> list[TrackInput]:
    """Filled, not-deleted rows in display order."""
    tracks: list[TrackInput] = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            continue
        tracks.append(
            {"position": data.get("position"), "title": data["title"], "isrc": data["isrc"]}
        )
    return tracks


def split_errors(error: ValidationError, form: forms.Form) -> list[str]:
    """Attach a service's errors to the form's fields; return the track-list errors."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return []
    track_errors: list[str] = []
    for field, errors in error.error_dict.items():
        if field == "tracks":
            for item in errors:
                track_errors.extend(item.messages)
        elif field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, errors)
    return track_errors
