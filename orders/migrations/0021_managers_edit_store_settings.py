"""Managers edit the store settings in admin (confirmation email, sign-in link lifetime, refund limits...);
support agents don't."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="storefront", codename__in=["view_storesettings", "change_storesettings"]
    )
    for group in Group.objects.filter(name="Managers"):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0020_rest_cancelled_and_unarchived_events"),
        ("storefront", "0006_sign_in_link_and_confirmation_settings"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
