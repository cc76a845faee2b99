"""Issue 19, item 2: country lists in the reader's language, in that language's order, the store's country first."""

import pytest
from django.utils import translation
from django_countries import countries

from storefront import collation
from storefront.countries import country_choices, country_form_field, localized_countries, store_country_choices
from storefront.models import StoreSettings

LANGUAGES = ["en", "fr", "nl", "de", "es", "pt-br", "cs", "ja", "zh-hant"]


def names(language: str) -> list[str]:
    with translation.override(language):
        return [name for _code, name in localized_countries()]


def name_of(code: str, language: str) -> str:
    with translation.override(language):
        return dict(localized_countries())[code]


@pytest.mark.parametrize(("language", "germany"), [("fr", "Allemagne"), ("ja", "ドイツ"), ("de", "Deutschland")])
def test_the_list_is_built_per_language_not_once_at_import(language, germany):
    assert name_of("DE", "en") == "Germany"
    assert name_of("DE", language) == germany  # the same process, another reader
    assert name_of("DE", "en") == "Germany"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_lists_every_country_once(language):
    with translation.override(language):
        codes = [code for code, _name in localized_countries()]
    assert sorted(codes) == sorted(countries.countries) and len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    ("language", "in_order"),
    [
        # Accents decide only between otherwise equal names: É with the E's, Å with the A's.
        ("fr", ["Dominique", "Égypte", "Émirats arabes unis", "Équateur", "Érythrée", "Espagne", "Estonie"]),
        ("en", ["Afghanistan", "Åland Islands", "Albania"]),
        # Czech sorts č and ch as letters of their own: Č after every C, Ch after every H.
        ("cs", ["Curaçao", "Čad", "Černá Hora", "Česko", "Dánsko"]),
        ("cs", ["Honduras", "Hongkong", "Chile", "Chorvatsko", "Indie"]),
        # German: Ö with the O's.
        ("de", ["Oman", "Österreich", "Pakistan"]),
        # Japanese: gojūon order, ー read as the vowel before it (オー = オオ, before オマ).
        ("ja", ["オーストラリア", "オーストリア", "オマーン", "オランダ", "ガーナ", "カーボベルデ", "カタール"]),
    ],
)
def test_names_sort_in_the_languages_own_order(language, in_order):
    listed = names(language)
    assert [name for name in listed if name in in_order] == in_order


def test_spanish_sorts_enye_after_n():
    key = collation.sort_key("es")
    assert sorted(["oso", "ñu", "nube", "Nápoles"], key=key) == ["Nápoles", "nube", "ñu", "oso"]


def test_kanji_names_come_after_every_kana_name():
    listed = names("ja")
    first_kanji = next(index for index, name in enumerate(listed) if "\u4e00" <= name[0] <= "\u9fff")
    assert all("\u4e00" <= name[0] <= "\u9fff" for name in listed[first_kanji:])


def test_the_built_in_order_is_icus_where_icu_is_installed():
    """PyICU is optional: where it is installed, the built-in key must agree with it on every Latin-script
    and kana name of every language (ideographs follow Unicode's radical-stroke order instead of ICU's)."""
    icu = pytest.importorskip("icu")
    for language in LANGUAGES:
        with translation.override(language):
            named = [(code, str(name)) for code, name in countries]
        collator = icu.Collator.createInstance(icu.Locale(collation.ICU_LOCALES.get(language, language)))
        comparable = [pair for pair in named if not any("\u3400" <= ch <= "\u9fff" for ch in pair[1])]
        by_icu = sorted(comparable, key=lambda pair: collator.getSortKey(pair[1]))
        builtin = collation._builtin_key(language.split("-")[0])
        assert sorted(comparable, key=lambda pair: builtin(pair[1])) == by_icu, language


@pytest.mark.django_db
def test_the_store_country_is_first_and_the_form_default():
    StoreSettings.load()
    StoreSettings.objects.update(country="BE")
    with translation.override("fr"):
        choices, every = store_country_choices(), country_choices()
        field = country_form_field()
    assert choices[0] == ("BE", "Belgique") and choices.count(("BE", "Belgique")) == 1
    assert choices[1:] == [pair for pair in every if pair[0] != "BE"]  # the rest in the language's order
    assert field.initial() == "BE"


def test_a_list_can_be_narrowed():
    with translation.override("ja"):
        assert country_choices(only={"DE", "NL"}) == [("NL", "オランダ"), ("DE", "ドイツ")]  # オ before ド
        assert country_choices(only={"DE", "NL"}, first="DE") == [("DE", "ドイツ"), ("NL", "オランダ")]


@pytest.mark.django_db
def test_a_new_store_takes_its_country_from_the_settings(settings):
    settings.STORE_COUNTRY = "AT"
    StoreSettings.objects.all().delete()
    assert StoreSettings.load().country == "AT"


def test_staff_change_the_store_country_in_admin(staff_client):
    store = StoreSettings.load()
    page = staff_client.get(f"/admin/storefront/storesettings/{store.pk}/change/")
    assert page.status_code == 200 and 'name="country"' in page.content.decode()
