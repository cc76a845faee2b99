"""Settings for mypy's django-stubs plugin: the test settings, without starting any server.

The plugin imports the settings and runs ``django.setup()``, which connects to nothing. With
DATABASE_URL / REDIS_URL unset, ``config.settings`` would start the embedded PostgreSQL and Redis
(``config.embedded``) just to be type-checked; placeholders that point nowhere keep it from that.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgresql://typecheck@127.0.0.1:1/typecheck")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")

from config.settings_test import *  # noqa: F403
