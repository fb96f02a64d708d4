"""Who acted, as a column of every fan event: existing rows get it from their kind and, for
saves and follows, from ``data.via`` (a delivery or a flow's API step is fanloop's doing)."""

from django.db import migrations, models

# Kinds fanloop itself performs or observes; everything else was the fan's doing.
FANLOOP_KINDS = (
    "release_live",
    "new_release_detected",
    "delivery_succeeded",
    "delivery_failed",
    "needs_reconnect",
    "save_verified",
    "save_kept_7d",
    "save_kept_30d",
    "follow_verified",
    "email_sent",
    "email_bounced",
    "joined_segment",
)
# Saves and follows fanloop made: release-day delivery, forever save, a flow's API step.
FANLOOP_VIA = ("delivery", "forever", "flow")


def set_actor(apps, schema_editor):
    FanEvent = apps.get_model("analytics", "FanEvent")
    FanEvent.objects.filter(kind__in=FANLOOP_KINDS).update(actor="fanloop")
    FanEvent.objects.filter(kind__in=("saved", "followed"), data__via__in=FANLOOP_VIA).update(
        actor="fanloop"
    )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_fanevent")]

    operations = [
        migrations.AddField(
            model_name="fanevent",
            name="actor",
            field=models.CharField(
                choices=[("fan", "The fan"), ("fanloop", "Done by fanloop")],
                default="fan",
                max_length=8,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(set_actor, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="fanevent",
            index=models.Index(fields=["fan", "actor", "kind"], name="fanevent_fan_actor"),
        ),
        migrations.AlterField(
            model_name="fanevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("presaved", "Pre-saved"),
                    ("email_subscribed", "Subscribed to emails"),
                    ("forever_save_optin", "Opted in to forever save"),
                    ("release_live", "Release live for the fan"),
                    ("new_release_detected", "New release detected"),
                    ("delivery_succeeded", "Release-day save delivered"),
                    ("delivery_failed", "Release-day save failed"),
                    ("needs_reconnect", "Needs reconnect"),
                    ("saved", "Saved (one-click or API)"),
                    ("followed", "Followed the artist"),
                    ("track_saved", "Saved a track of the release"),
                    ("save_verified", "Save verified"),
                    ("save_missing", "Save not found on the platform"),
                    ("save_kept_7d", "Save kept 7 days"),
                    ("save_kept_30d", "Save kept 30 days"),
                    ("follow_verified", "Follow verified"),
                    ("email_sent", "Email sent"),
                    ("email_opened", "Email opened"),
                    ("email_clicked", "Email link clicked"),
                    ("email_bounced", "Email bounced"),
                    ("email_complained", "Spam complaint"),
                    ("unsubscribed", "Unsubscribed"),
                    ("joined_segment", "Joined a segment"),
                ],
                max_length=30,
            ),
        ),
    ]
