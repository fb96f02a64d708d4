"""Suppressions found by a keyed hash of the address: hash every row, and drop the
address of rows whose fan was erased (no fan of the workspace has it; rows a member
added by hand keep theirs). The unique constraint follows in its own migration (a
separate transaction: PostgreSQL alters no table with pending trigger events)."""

from typing import Any

from django.db import migrations, models


def hash_addresses(apps: Any, schema_editor: Any) -> None:
    from fanloop.messaging.addresses import address_hash

    Suppression = apps.get_model("messaging", "Suppression")
    Fan = apps.get_model("fans", "Fan")
    for row in Suppression.objects.all().iterator():
        row.email_hash = address_hash(row.email)
        erased = (
            row.reason != "manual"
            and not Fan.objects.filter(workspace_id=row.workspace_id, email=row.email).exists()
        )
        if erased:
            if row.email.lower() in row.detail.lower():
                row.detail = ""
            row.email = ""
        row.save(update_fields=["email_hash", "email", "detail"])


class Migration(migrations.Migration):
    dependencies = [
        ("fans", "0002_initial"),
        ("messaging", "0003_mailbox_entries"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="suppression", name="one_suppression_per_email"),
        migrations.AddField(
            model_name="suppression",
            name="email_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="suppression",
            name="email",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.RunPython(hash_addresses, migrations.RunPython.noop),
    ]
