from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """The admin's order list, newest first, as an index scan instead of sorting every order. Built
    concurrently, so migrating a big store doesn't stop orders."""

    atomic = False
    dependencies = [("orders", "0024_customer_search")]

    operations = [
        AddIndexConcurrently(model_name="order", index=models.Index(fields=["-placed_at", "-id"], name="order_recent")),
    ]
