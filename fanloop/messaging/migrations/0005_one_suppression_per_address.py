from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_suppression_address_hash")]

    operations = [
        migrations.AddConstraint(
            model_name="suppression",
            constraint=models.UniqueConstraint(
                fields=("workspace", "email_hash"), name="one_suppression_per_address"
            ),
        ),
    ]
