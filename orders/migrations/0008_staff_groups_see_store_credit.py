"""Both staff groups may read the store-credit ledger (added after the groups were created)."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="orders", codename="view_storecreditentry")
    for group in Group.objects.filter(name__in=["Managers", "Support agents"]):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
