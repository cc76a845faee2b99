"""Both staff groups read customers, change their details and leave notes; only Managers set a customer's
group (its discount) and tax exemption."""

from django.db import migrations

BOTH = ["view_customer", "change_customer", "view_note", "add_note"]
GRANTS = {"Managers": [*BOTH, "set_customer_pricing"], "Support agents": BOTH}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="desk", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("desk", "0001_notes"), ("orders", "0012_staff_groups_see_order_records")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
