"""The two staff groups refunds are limited by (orders.services.refunds.refund_limit)."""

from django.db import migrations

GROUPS = {
    "Managers": ["view_order", "change_order", "view_transaction", "view_creditmemo", "view_paymentrequest"],
    "Support agents": ["view_order", "change_order", "view_transaction", "view_creditmemo", "view_paymentrequest"],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_money_movement"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
