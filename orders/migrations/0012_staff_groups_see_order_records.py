"""Both staff groups read what the order page shows: lines, shipments, transactions, memos, requests, timeline."""

from django.db import migrations

CODENAMES = [
    "view_orderline",
    "view_orderevent",
    "view_fulfillment",
    "view_fulfillmentline",
    "view_transaction",
    "view_creditmemo",
    "view_paymentrequest",
    "view_storecreditentry",
]


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
    dependencies = [("orders", "0011_settlement_withdrawn_event")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
