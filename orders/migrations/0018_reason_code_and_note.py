"""Reasons become a code from one translatable list plus a note kept as typed (core.reasons).

Every free-text reason so far (typed by staff or a shopper, or written by the system in whatever language
was active) is kept word for word as the note, with the code "other"; an empty one stays empty. Events keep
their data as written (the timeline is never changed): readers take an older event's ``reason`` as the same
"other" note (core.reasons.Reason.from_data)."""

from django.db import migrations, models

# core.reasons.ReasonCode as it was when this migration was written.
REASON_CHOICES = [
    ("changed_mind", "Changed mind"),
    ("ordered_by_mistake", "Ordered by mistake"),
    ("found_cheaper", "Found a better price"),
    ("customer_request", "Customer asked"),
    ("returned", "Return"),
    ("damaged", "Damaged item"),
    ("wrong_item", "Wrong item"),
    ("late", "Late delivery"),
    ("goodwill", "Goodwill"),
    ("fraud", "Suspected fraud"),
    ("out_of_stock", "Out of stock"),
    ("payment_not_received", "Payment not received"),
    ("paid_elsewhere", "Paid another way"),
    ("balance_due", "Balance due"),
    ("order_edited", "Order edited"),
    ("order_canceled", "Order canceled"),
    ("order_payment", "Order payment"),
    ("other", "Other"),
]

MODELS = ("transaction", "creditmemo", "paymentrequest", "storecreditentry")


def free_text_to_other(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("orders", name)
        model.objects.exclude(reason_note="").update(reason_code="other")


def other_back_to_free_text(apps, schema_editor):
    """Backwards: the note was the reason; a code without a note becomes its English label."""
    labels = dict(REASON_CHOICES)
    for name in MODELS:
        model = apps.get_model("orders", name)
        for code, label in labels.items():
            model.objects.filter(reason_note="", reason_code=code).update(reason_note=label)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0017_line_group_price"),
    ]

    operations = [
        *(migrations.RenameField(model_name=name, old_name="reason", new_name="reason_note") for name in MODELS),
        *(
            migrations.AlterField(
                model_name=name,
                name="reason_note",
                field=models.CharField(blank=True, max_length=300, verbose_name="note"),
            )
            for name in MODELS
        ),
        *(
            migrations.AddField(
                model_name=name,
                name="reason_code",
                field=models.CharField(blank=True, choices=REASON_CHOICES, max_length=32, verbose_name="reason"),
            )
            for name in MODELS
        ),
        migrations.RunPython(free_text_to_other, other_back_to_free_text, elidable=False),
    ]
