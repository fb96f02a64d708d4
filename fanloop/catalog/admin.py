"""Admin for artists, releases and tracks: for operators, not the everyday dashboard."""

from __future__ import annotations

from django.contrib import admin

from fanloop.catalog.models import Artist, Release, Track


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "workspace", "spotify_id", "apple_music_id", "deezer_id")
    list_select_related = ("workspace",)
    search_fields = ("name", "slug", "workspace__name", "workspace__slug")
    raw_id_fields = ("workspace",)


class TrackInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Track
    extra = 0
    fields = ("position", "title", "isrc")


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "artist", "release_type", "release_date", "release_mode", "published")
    list_filter = ("published", "release_type", "release_mode")
    list_select_related = ("artist", "artist__workspace")
    search_fields = ("title", "slug", "upc", "short_code", "artist__name", "artist__slug")
    date_hierarchy = "release_date"
    raw_id_fields = ("artist",)
    readonly_fields = ("short_code", "created", "updated")
    inlines = (TrackInline,)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "position", "isrc", "release")
    list_select_related = ("release", "release__artist")
    search_fields = ("title", "isrc", "release__title")
    raw_id_fields = ("release",)
