from django.db import migrations


class Migration(migrations.Migration):
    """Order numbers come from a sequence: gap-tolerant, never reused, no lock on a counter row."""

    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS orders_order_number_seq START WITH 1001",
            "DROP SEQUENCE IF EXISTS orders_order_number_seq",
        )
    ]
