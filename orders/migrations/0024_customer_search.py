"""Indexes for staff's customer search by their orders (orders.search), and the customers who owe money."""

import django.contrib.postgres.indexes
import django.db.models.expressions
import django.db.models.fields.json
import django.db.models.functions.comparison
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently

from core.search import AddTrigramIndex, TrigramExtensionIfAvailable
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking writes (CREATE INDEX CONCURRENTLY): a big store keeps taking orders meanwhile.
    atomic = False

    dependencies = [
        ('accounts', '0007_customer_search'),
        ('orders', '0023_staff_groups_see_invoices'),
        ('storefront', '0005_store_country'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddTrigramIndex(
            model_name='order',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.fields.json.KeyTextTransform('line1', 'shipping_address')), name='gin_trgm_ops'), name='order_search_street'),
        ),
        AddTrigramIndex(
            model_name='order',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.Func(django.db.models.fields.json.KeyTextTransform('postal_code', 'shipping_address'), models.Value(' '), models.Value(''), function='REPLACE', output_field=models.TextField())), name='gin_trgm_ops'), name='order_search_postal_code'),
        ),
        AddTrigramIndex(
            model_name='order',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.fields.json.KeyTextTransform('company', 'shipping_address')), name='gin_trgm_ops'), name='order_search_company'),
        ),
        AddTrigramIndex(
            model_name='order',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(models.Func(django.db.models.fields.json.KeyTextTransform('phone', 'shipping_address'), models.Value('[^0-9]+'), models.Value(''), models.Value('g'), function='REGEXP_REPLACE', output_field=models.TextField()), name='gin_trgm_ops'), name='order_search_phone'),
        ),
        AddTrigramIndex(
            model_name='order',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.Func(models.F('vat_id'), models.Value(' '), models.Value(''), function='REPLACE', output_field=models.TextField())), name='gin_trgm_ops'), name='order_search_vat_id'),
        ),
        AddIndexConcurrently(
            model_name='order',
            index=models.Index(condition=models.Q(django.db.models.lookups.GreaterThan(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.Case(models.When(status='cancelled', then=models.Value(0)), default=django.db.models.expressions.CombinedExpression(models.F('total'), '-', django.db.models.functions.comparison.Least(models.F('adjustment_total'), models.F('total'))), output_field=models.DecimalField(decimal_places=2, max_digits=12)), '+', models.F('kept_total')), '-', models.F('captured_total')), '+', models.F('refunded_total')), models.Value(0))), fields=['customer'], name='order_unpaid_customer'),
        ),
    ]
