"""Language and time zone that stick (issue 19): a choice made before signing in (the switcher's cookie) beats
the stored language for the code email, the pages after and the profile; without one the stored language,
then the browser's. The browser's zone is kept on the profile at sign-in and whenever it changes."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.middleware import SESSION_TIME_ZONE_KEY
from accounts.models import CustomerProfile
from core.dates import TIME_ZONE_COOKIE
from notifications.services import render_for_sending
from tests.accounts.conftest import last_sign_in_code, last_sign_in_message, request_code
from tests.accounts.test_sign_in import sign_in_with_code

pytestmark = pytest.mark.django_db
ORDERS = "/store/account/orders/"


def choose_language(client, language: str):
    """The switcher, signed out: it sets the cookie (and no profile: nobody is signed in)."""
    response = client.post("/store/account/language/", {"language": language, "next": "/store/account/login/"})
    assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def sign_in(client, email="sam@example.com"):
    response = sign_in_with_code(client, email, last_sign_in_code(email))
    assert response.status_code == 302 and response["Location"] == ORDERS


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_french_chosen_before_sign_in_keeps_french_for_the_email_the_pages_and_the_profile(client, shopper):
    assert shopper.profile.language == "nl"  # from checkout
    choose_language(client, "fr")
    assert html_lang(client.get("/store/account/login/")) == "fr"
    request_code(client, "sam@example.com")
    message = last_sign_in_message("sam@example.com")
    assert message.language == "fr"
    sent = render_for_sending(message)
    assert sent.subject.startswith("Votre code de connexion") and 'lang="fr"' in sent.html

    sign_in(client)
    assert CustomerProfile.objects.get(user=shopper).language == "fr"
    page = client.get(ORDERS)
    assert html_lang(page) == "fr"
    # The next page, and the one after: the session carries the language now, not the cookie alone.
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    assert html_lang(client.get("/store/account/profile/")) == "fr"


def test_without_a_choice_the_stored_language_wins_over_the_browser(client, shopper):
    request_code(client, "sam@example.com", HTTP_ACCEPT_LANGUAGE="de")
    assert last_sign_in_message("sam@example.com").language == "nl"
    sign_in(client)
    assert html_lang(client.get(ORDERS)) == "nl"
    assert CustomerProfile.objects.get(user=shopper).language == "nl"


def test_without_a_choice_or_a_stored_language_the_browsers_is_used_and_kept(client, shopper):
    CustomerProfile.objects.filter(user=shopper).update(language="")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    request_code(client, "sam@example.com")
    assert last_sign_in_message("sam@example.com").language == "es"
    sign_in(client)
    assert CustomerProfile.objects.get(user=shopper).language == "es"
    assert html_lang(client.get(ORDERS)) == "es"


def test_saving_the_profile_sets_this_devices_choice_too(client, shopper):
    """Otherwise an older switcher cookie on this device would beat the profile at the next sign-in."""
    choose_language(client, "de")
    request_code(client, "sam@example.com")
    sign_in(client)
    response = client.post("/store/account/profile/", {"name": "Sam", "language": "ja", "vat_id": ""})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    client.post("/store/account/logout/")
    request_code(client, "sam@example.com")
    assert last_sign_in_message("sam@example.com").language == "ja"


def test_the_browsers_zone_is_kept_at_sign_in_and_when_it_changes(client, shopper):
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    request_code(client, "sam@example.com")
    sign_in(client)
    assert CustomerProfile.objects.get(user=shopper).time_zone == "Asia/Tokyo"
    assert client.session[SESSION_TIME_ZONE_KEY] == "Asia/Tokyo"
    client.cookies[TIME_ZONE_COOKIE] = "America/New_York"  # travelling
    assert client.get(ORDERS).status_code == 200
    assert CustomerProfile.objects.get(user=shopper).time_zone == "America/New_York"
    client.cookies[TIME_ZONE_COOKIE] = "Mars/Olympus_Mons"  # not a zone: ignored, the stored one stays
    assert client.get(ORDERS).status_code == 200
    assert CustomerProfile.objects.get(user=shopper).time_zone == "America/New_York"


def test_a_known_zone_is_written_once_not_on_every_page(client, shopper):
    client.cookies[TIME_ZONE_COOKIE] = "Europe/Paris"
    request_code(client, "sam@example.com")
    sign_in(client)
    client.get(ORDERS)
    with CaptureQueriesContext(connection) as queries:
        client.get(ORDERS)
    assert not [q for q in queries.captured_queries if "accounts_customerprofile" in q["sql"]]
