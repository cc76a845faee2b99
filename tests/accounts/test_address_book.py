"""Issue 19: the address book's country list in the reader's language, the store's country first; deleting an
address asks first (a page, not a script's confirm(), which the Content-Security-Policy would not run)."""

import pytest

from accounts.models import Address, User
from tests.orders.test_checkout_shopper import country_options

pytestmark = pytest.mark.django_db
ADDRESSES = "/store/account/addresses/"
ADDRESS = {"name": "Sam Jansen", "line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117"}


@pytest.fixture
def client_in(client, shopper):
    client.force_login(shopper)
    return client


@pytest.mark.parametrize(
    ("language", "germany", "netherlands"), [("fr", "Allemagne", "Pays-Bas"), ("ja", "ドイツ", "オランダ")]
)
def test_a_new_address_lists_countries_in_the_readers_language_the_store_country_first_and_chosen(
    client_in, language, germany, netherlands
):
    options = country_options(client_in.get(f"{ADDRESSES}new/", HTTP_ACCEPT_LANGUAGE=language).content.decode())
    assert options[0] == ("NL", True, netherlands)
    assert ("DE", False, germany) in options and not any(name == "Germany" for _c, _s, name in options)


def test_an_address_being_edited_keeps_its_own_country_chosen(client_in, shopper):
    address = Address.objects.create(user=shopper, country="DE", **ADDRESS)
    options = country_options(client_in.get(f"{ADDRESSES}{address.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert options[0] == ("NL", False, "Pays-Bas") and ("DE", True, "Allemagne") in options


def test_an_address_saved_in_french_keeps_the_code(client_in, shopper):
    client_in.post(f"{ADDRESSES}new/", {**ADDRESS, "country": "DE"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert Address.objects.get(user=shopper).country == "DE"


def test_the_book_names_countries_in_the_readers_language(client_in, shopper):
    Address.objects.create(user=shopper, country="DE", **ADDRESS)
    assert "ドイツ" in client_in.get(ADDRESSES, HTTP_ACCEPT_LANGUAGE="ja").content.decode()


def test_delete_asks_on_a_page_then_deletes_on_post(client_in, shopper):
    address = Address.objects.create(user=shopper, country="DE", **ADDRESS)
    delete_url = f"{ADDRESSES}{address.pk}/delete/"
    book = client_in.get(ADDRESSES).content.decode()
    assert f'<a href="{delete_url}">Delete</a>' in book  # a link to the question, not a form that deletes
    assert "onclick" not in book and "confirm(" not in book

    page = client_in.get(delete_url)
    html = page.content.decode()
    assert page.status_code == 200 and "Delete this address?" in html and "Unter den Linden 1" in html
    assert f'<form method="post" action="{delete_url}">' in html
    assert Address.objects.filter(pk=address.pk).exists()  # asking changed nothing

    response = client_in.post(delete_url)
    assert response.status_code == 302 and response["Location"] == ADDRESSES
    assert not Address.objects.filter(pk=address.pk).exists()


def test_no_one_is_asked_about_someone_elses_address(client_in):
    theirs = Address.objects.create(user=User.objects.create_user("alex@example.com"), country="DE", **ADDRESS)
    assert client_in.get(f"{ADDRESSES}{theirs.pk}/delete/").status_code == 404
    assert client_in.post(f"{ADDRESSES}{theirs.pk}/delete/").status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_the_confirm_page_needs_a_signed_in_shopper(client, shopper):
    address = Address.objects.create(user=shopper, country="DE", **ADDRESS)
    response = client.get(f"{ADDRESSES}{address.pk}/delete/")
    assert response.status_code == 302 and "/login/" in response["Location"]
