"""Indexes for staff's customer search (desk.search): trigram indexes for substring search."""

import django.contrib.postgres.indexes
import django.db.models.functions.text

from core.search import AddTrigramIndex, TrigramExtensionIfAvailable
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking writes (CREATE INDEX CONCURRENTLY): a big store keeps taking orders meanwhile.
    atomic = False

    dependencies = [
        ('accounts', '0006_profile_time_zone'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        TrigramExtensionIfAvailable(),
        AddTrigramIndex(
            model_name='address',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.F('line1')), name='gin_trgm_ops'), name='address_search_street'),
        ),
        AddTrigramIndex(
            model_name='address',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.Func(models.F('postal_code'), models.Value(' '), models.Value(''), function='REPLACE', output_field=models.TextField())), name='gin_trgm_ops'), name='address_search_postal_code'),
        ),
        AddTrigramIndex(
            model_name='address',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.F('company')), name='gin_trgm_ops'), name='address_search_company'),
        ),
        AddTrigramIndex(
            model_name='address',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(models.Func(models.F('phone'), models.Value('[^0-9]+'), models.Value(''), models.Value('g'), function='REGEXP_REPLACE', output_field=models.TextField()), name='gin_trgm_ops'), name='address_search_phone'),
        ),
        AddTrigramIndex(
            model_name='customerprofile',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.F('name')), name='gin_trgm_ops'), name='profile_search_name'),
        ),
        AddTrigramIndex(
            model_name='customerprofile',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.Func(models.F('vat_id'), models.Value(' '), models.Value(''), function='REPLACE', output_field=models.TextField())), name='gin_trgm_ops'), name='profile_search_vat_id'),
        ),
        AddTrigramIndex(
            model_name='user',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(models.F('email')), name='gin_trgm_ops'), name='user_search_email'),
        ),
    ]
