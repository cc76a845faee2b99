import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff():
    return User.objects.create_superuser("boss@example.com", PASSWORD)


def admin_login(client, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": "boss@example.com", "password": PASSWORD, **extra})


def test_admin_refuses_a_password_without_a_totp_code(client, staff, capsys):
    call_command("add_staff_totp", "boss@example.com")
    response = admin_login(client)
    assert response.status_code == 200  # the form again, not a redirect into admin
    assert client.get("/admin/").status_code == 302
    response = admin_login(client, otp_token="123456")
    assert client.get("/admin/").status_code == 302


def test_admin_accepts_password_plus_current_totp_code(client, staff, capsys):
    call_command("add_staff_totp", "boss@example.com")
    out = capsys.readouterr().out
    assert out.startswith("Scan this in an authenticator app:\notpauth://totp/")
    device = TOTPDevice.objects.get(user=staff)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = admin_login(client, otp_token=code)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_backup_code_works_once(client, staff, capsys):
    call_command("add_staff_totp", "boss@example.com", "--backup-tokens", "2")
    backup = capsys.readouterr().out.strip().rsplit(": ", 1)[1].split()[0]
    assert admin_login(client, otp_token=backup).status_code == 302
    client.logout()
    assert admin_login(client, otp_token=backup).status_code == 200  # spent


def test_totp_command_refuses_shoppers(db):
    User.objects.create_user("shopper@example.com")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Only staff"):
        call_command("add_staff_totp", "shopper@example.com")
