from django.conf import settings
from django.core.management.base import BaseCommand

from demo import loader as demo


class Command(BaseCommand):
    help = "Print how to use the running demo store."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL)

    def handle(self, *args, url, **options):
        line = "=" * 72
        self.stdout.write(
            f"""
{line}
 Aftersale demo store: {url}/
   Shopper account:   {url}/store/account/orders/   (demo shopper: {demo.DEMO_EMAIL})
   Sign-in codes and all other mail land in the mailbox: {url}/dev/mailbox/
   Staff admin:       {url}/admin/   email {demo.STAFF_EMAIL}  password {demo.STAFF_PASSWORD}
                      then an authenticator code, or one of the backup codes printed above
   Jobs dashboard:    {url}/django-rq/      Health: {url}/healthz
   Database: {settings.DATABASES["default"]["NAME"]} · Redis: {settings.REDIS_URL}
 Stop with Ctrl-C.
{line}
"""
        )
