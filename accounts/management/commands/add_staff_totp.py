from django.core.management.base import BaseCommand, CommandError

from accounts.errors import AccountError
from accounts.models import User
from accounts.services import give_staff_totp


class Command(BaseCommand):
    help = "Give a staff user an authenticator (TOTP) device and backup codes; prints the otpauth URI."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--backup-tokens", type=int, default=5)

    def handle(self, *args, email, backup_tokens, **options):
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with email {email}")
        try:
            device, tokens = give_staff_totp(user=user, backup_tokens=backup_tokens)
        except AccountError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Scan this in an authenticator app:\n{device.config_url}\n")
        self.stdout.write("Backup codes (each works once): " + " ".join(tokens))
