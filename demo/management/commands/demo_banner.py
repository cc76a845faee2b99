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
   Shop and checkout: {url}/store/products/   test card 4242 4242 4242 4242 (4000 0000 0000 0002 is declined)
   Shopper account:   {url}/store/account/orders/   (demo shopper: {demo.DEMO_EMAIL})
   Sign-in codes and all other mail land in the mailbox: {url}/dev/mailbox/
   Staff admin:       {url}/admin/   email {demo.STAFF_EMAIL}  password {demo.STAFF_PASSWORD}
                      then an authenticator code, or one of the backup codes printed above
   Jobs dashboard:    {url}/django-rq/      Health: {url}/healthz
   API docs:          {url}/api/docs/   (keys: admin → Integrations → API keys)
   Database: {settings.DATABASES["default"]["NAME"]} · Redis: {settings.REDIS_URL}
 Stop with Ctrl-C.
{line}
"""
        )
