"""Move the per-platform id columns of artists and releases into platform id rows, and back.

Backwards, only the platforms that had columns come back: other rows (TIDAL) are dropped.
"""

from typing import Any

from django.db import migrations

# (platform key, URL column, id column) of Artist; (platform key, album id column) of Release.
ARTIST_COLUMNS = (
    ("spotify", "spotify_url", "spotify_id"),
    ("applemusic", "apple_music_url", "apple_music_id"),
    ("deezer", "deezer_url", "deezer_id"),
)
RELEASE_COLUMNS = (
    ("spotify", "spotify_album_id"),
    ("applemusic", "apple_music_album_id"),
    ("deezer", "deezer_album_id"),
)
BATCH = 1000


def forward(apps: Any, schema_editor: Any) -> None:
    Artist = apps.get_model("catalog", "Artist")
    Release = apps.get_model("catalog", "Release")
    ArtistPlatformId = apps.get_model("catalog", "ArtistPlatformId")
    ReleasePlatformId = apps.get_model("catalog", "ReleasePlatformId")
    columns = [c for _, url, id_ in ARTIST_COLUMNS for c in (url, id_)]
    rows = []
    for artist in Artist.objects.only("pk", *columns).iterator(chunk_size=BATCH):
        for key, url_column, id_column in ARTIST_COLUMNS:
            url, external_id = getattr(artist, url_column), getattr(artist, id_column)
            if url or external_id:
                rows.append(
                    ArtistPlatformId(
                        artist_id=artist.pk, platform=key, external_id=external_id, url=url
                    )
                )
    ArtistPlatformId.objects.bulk_create(rows, batch_size=BATCH)
    rows = []
    album_columns = [c for _, c in RELEASE_COLUMNS]
    for release in Release.objects.only("pk", *album_columns).iterator(chunk_size=BATCH):
        for key, column in RELEASE_COLUMNS:
            if getattr(release, column):
                rows.append(
                    ReleasePlatformId(
                        release_id=release.pk, platform=key, external_id=getattr(release, column)
                    )
                )
    ReleasePlatformId.objects.bulk_create(rows, batch_size=BATCH)


def backward(apps: Any, schema_editor: Any) -> None:
    Artist = apps.get_model("catalog", "Artist")
    Release = apps.get_model("catalog", "Release")
    ArtistPlatformId = apps.get_model("catalog", "ArtistPlatformId")
    ReleasePlatformId = apps.get_model("catalog", "ReleasePlatformId")
    for key, url_column, id_column in ARTIST_COLUMNS:
        for row in ArtistPlatformId.objects.filter(platform=key).iterator(chunk_size=BATCH):
            Artist.objects.filter(pk=row.artist_id).update(
                **{url_column: row.url, id_column: row.external_id}
            )
    for key, column in RELEASE_COLUMNS:
        for row in ReleasePlatformId.objects.filter(platform=key).iterator(chunk_size=BATCH):
            Release.objects.filter(pk=row.release_id).update(**{column: row.external_id})
    ArtistPlatformId.objects.all().delete()
    ReleasePlatformId.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_platform_id_rows")]

    operations = [migrations.RunPython(forward, backward)]
