"""Both staff groups read and print invoices (issuing a missing one needs "change order", which they have)."""

from django.db import migrations

CODENAMES = ["view_invoice"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="orders", codename__in=CODENAMES))
    for group in Group.objects.filter(name__in=["Managers", "Support agents"]):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("orders", "0022_invoices")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
