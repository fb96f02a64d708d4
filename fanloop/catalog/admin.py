"""Admin for artists, releases and tracks: for operators, not the everyday dashboard."""

from __future__ import annotations

from django.contrib import admin

from fanloop.catalog.models import Artist, ArtistPlatformId, Release, ReleasePlatformId, Track


class ArtistPlatformIdInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ArtistPlatformId
    extra = 0
    fields = ("platform", "external_id", "url")


class ReleasePlatformIdInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ReleasePlatformId
    extra = 0
    fields = ("platform", "external_id")


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "workspace")
    list_select_related = ("workspace",)
    search_fields = ("name", "slug", "workspace__name", "workspace__slug")
    raw_id_fields = ("workspace",)
    inlines = (ArtistPlatformIdInline,)


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
    inlines = (TrackInline, ReleasePlatformIdInline)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "position", "isrc", "release")
    list_select_related = ("release", "release__artist")
    search_fields = ("title", "isrc", "release__title")
    raw_id_fields = ("release",)
