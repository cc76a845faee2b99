from django.db import migrations, models


class Migration(migrations.Migration):
    """Sessions are staged on the order's content version. Open sessions keep their number: the orders
    migration that adds ``Order.content_version`` starts it equal to ``version``."""

    dependencies = [
        ('editing', '0002_money_movement'),
        ('orders', '0014_order_content_version'),
    ]

    operations = [
        migrations.RenameField(
            model_name='editsession',
            old_name='base_version',
            new_name='base_content_version',
        ),
        migrations.AlterField(
            model_name='editsession',
            name='base_content_version',
            field=models.PositiveIntegerField(verbose_name='order content version'),
        ),
    ]
