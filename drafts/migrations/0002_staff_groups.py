"""Both staff groups build, place and discard draft orders (what each may give or record is the services')."""

from django.db import migrations

CODENAMES = ["view_draftorder", "add_draftorder", "change_draftorder", "delete_draftorder"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="drafts", codename__in=CODENAMES))
    for group in Group.objects.filter(name__in=["Managers", "Support agents"]):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("drafts", "0001_initial"), ("orders", "0007_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
