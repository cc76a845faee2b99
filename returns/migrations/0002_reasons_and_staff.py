"""The reasons a store starts with, and who handles returns: both staff groups work the returns queue;
managers also set the return policy and reasons."""

from decimal import Decimal

from django.db import migrations

# code → (the store's fault, restocking fee %), labels come from returns.constants.DEFAULT_REASONS.
REASONS = {
    "too_small": (False, Decimal("0")),
    "too_big": (False, Decimal("0")),
    "damaged": (True, Decimal("0")),
    "wrong_item": (True, Decimal("0")),
    "not_as_described": (True, Decimal("0")),
    "changed_mind": (False, Decimal("0")),
}
BOTH = ["view_returnrequest", "change_returnrequest", "add_returnrequest", "view_returnpolicy", "view_returnreason"]
MANAGERS = ["change_returnpolicy", "add_returnreason", "change_returnreason"]


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    ReturnReason = apps.get_model("returns", "ReturnReason")
    for position, (code, (fault, fee)) in enumerate(REASONS.items()):
        ReturnReason.objects.get_or_create(
            code=code, defaults={"store_fault": fault, "restocking_fee_percent": fee, "position": position}
        )
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    both = list(Permission.objects.filter(content_type__app_label="returns", codename__in=BOTH))
    managers = list(Permission.objects.filter(content_type__app_label="returns", codename__in=MANAGERS))
    for group in Group.objects.filter(name__in=["Managers", "Support agents"]):
        group.permissions.add(*both)
        if group.name == "Managers":
            group.permissions.add(*managers)


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial"), ("orders", "0007_staff_groups")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
