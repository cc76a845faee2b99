import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.models import Address, CustomerProfile, User
from notifications.constants import MessageKind
from notifications.models import Message
from tests.accounts.conftest import last_email_change_code

pytestmark = pytest.mark.django_db
PROFILE = "/store/account/profile/"


@pytest.fixture
def client_in(client, shopper):
    client.force_login(shopper)
    return client


def profile_post(client, **overrides):
    data = {"name": "Sam Jansen", "language": "nl", "vat_id": "", "marketing_consent": "", **overrides}
    return client.post(PROFILE, {k: v for k, v in data.items() if v is not None})


def test_profile_saves_name_language_and_a_valid_vat_id(client_in, shopper):
    response = profile_post(client_in, vat_id="NL 4495.445.B01", language="de")
    assert response.status_code == 302
    profile = CustomerProfile.objects.get(user=shopper)
    assert (profile.name, profile.language, profile.vat_id) == ("Sam Jansen", "de", "NL004495445B01")
    assert client_in.get(PROFILE)["Content-Language"] == "de"


def test_invalid_vat_id_is_a_field_error_and_changes_nothing(client_in, shopper):
    before = CustomerProfile.objects.get(user=shopper)
    page = profile_post(client_in, vat_id="NL123", name="Changed")
    assert page.status_code == 200 and "Not a valid EU VAT number" in page.content.decode()
    after = CustomerProfile.objects.get(user=shopper)
    assert (after.name, after.vat_id) == (before.name, before.vat_id)


def test_over_long_name_is_refused(client_in, shopper):
    page = profile_post(client_in, name="x" * 201)
    assert page.status_code == 200 and page.context["form"].errors["name"]
    assert CustomerProfile.objects.get(user=shopper).name != "x" * 201


def test_marketing_consent_records_when_and_where(client_in, shopper):
    profile_post(client_in, marketing_consent="on")
    profile = CustomerProfile.objects.get(user=shopper)
    assert profile.marketing_consent and profile.marketing_consent_source == "account"
    first_change = profile.marketing_consent_at
    profile_post(client_in, marketing_consent="on")  # unchanged: the time stays
    assert CustomerProfile.objects.get(user=shopper).marketing_consent_at == first_change
    profile_post(client_in)
    withdrawn = CustomerProfile.objects.get(user=shopper)
    assert not withdrawn.marketing_consent and withdrawn.marketing_consent_at > first_change


def test_email_changes_only_after_the_code_sent_to_the_new_address(client_in, shopper):
    assert client_in.post("/store/account/profile/email/", {"email": "new@example.com"}).status_code == 302
    message = Message.objects.get(kind=MessageKind.EMAIL_CHANGE_CODE)
    assert message.recipient == "new@example.com"
    assert User.objects.get(pk=shopper.pk).email == "sam@example.com"
    code = last_email_change_code()
    wrong = "000000" if code != "000000" else "111111"
    page = client_in.post("/store/account/profile/email/confirm/", {"code": wrong})
    assert page.status_code == 200 and "not right" in page.content.decode()
    client_in.post("/store/account/profile/email/confirm/", {"code": code})
    shopper.refresh_from_db()
    assert shopper.email == "new@example.com"
    assert EmailAddress.objects.get(user=shopper).email == "new@example.com"
    # The account keeps its orders, and the new email signs in to it.
    assert shopper.orders.count() == 1
    Client().post("/store/account/login/", {"email": "new@example.com"})
    assert Message.objects.filter(kind=MessageKind.SIGN_IN_CODE, recipient="new@example.com").exists()


def test_email_change_to_a_taken_address_is_refused_after_the_code(client_in, shopper):
    User.objects.create_user("taken@example.com")
    client_in.post("/store/account/profile/email/", {"email": "taken@example.com"})
    code = last_email_change_code()
    response = client_in.post("/store/account/profile/email/confirm/", {"code": code})
    assert response.status_code == 302
    assert "Another account already uses that email" in client_in.get(response["Location"]).content.decode()
    assert User.objects.get(pk=shopper.pk).email == "sam@example.com"


def test_three_wrong_email_codes_cancel_the_change(client_in, shopper):
    client_in.post("/store/account/profile/email/", {"email": "new@example.com"})
    code = last_email_change_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        client_in.post("/store/account/profile/email/confirm/", {"code": wrong})
    response = client_in.post("/store/account/profile/email/confirm/", {"code": code})
    assert response.status_code == 302 and User.objects.get(pk=shopper.pk).email == "sam@example.com"


ADDRESS = {
    "name": "Sam Jansen",
    "line1": "Prinsengracht 263",
    "city": "Amsterdam",
    "postal_code": "1016 GV",
    "country": "NL",
}


def test_address_book_add_edit_default_delete(client_in, shopper):
    client_in.post("/store/account/addresses/new/", ADDRESS)
    client_in.post("/store/account/addresses/new/", {**ADDRESS, "line1": "Damrak 1", "make_default": "on"})
    home, office = Address.objects.filter(user=shopper).order_by("pk")
    assert (home.is_default, office.is_default) == (False, True)
    client_in.post(f"/store/account/addresses/{home.pk}/", {**ADDRESS, "city": "Haarlem"})
    home.refresh_from_db()
    assert home.city == "Haarlem"
    client_in.post(f"/store/account/addresses/{home.pk}/default/")
    assert Address.objects.get(is_default=True, user=shopper).pk == home.pk
    client_in.post(f"/store/account/addresses/{home.pk}/delete/")
    assert list(Address.objects.filter(user=shopper).values_list("pk", "is_default")) == [(office.pk, True)]


def test_bad_address_input_and_other_peoples_addresses(client_in, shopper):
    page = client_in.post("/store/account/addresses/new/", {**ADDRESS, "country": "XX", "city": ""})
    assert page.status_code == 200 and set(page.context["form"].errors) == {"country", "city"}
    other = Address.objects.create(user=User.objects.create_user("alex@example.com"), **{**ADDRESS, "name": "Alex"})
    assert client_in.get(f"/store/account/addresses/{other.pk}/").status_code == 404
    assert client_in.post(f"/store/account/addresses/{other.pk}/delete/").status_code == 404
    assert client_in.post(f"/store/account/addresses/{other.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=other.pk).exists() and not Address.objects.filter(user=shopper).exists()
