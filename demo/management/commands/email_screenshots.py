import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.email_previews import write_showcase


class Command(BaseCommand):
    help = "Render one email kind per language in headless Chromium, narrow and wide, into docs/emails/."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "emails"))

    def handle(self, *args, out, **options):
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop; our ORM calls stay sync
        for path in write_showcase(Path(out), progress=self.stdout.write):
            self.stdout.write(str(path))
