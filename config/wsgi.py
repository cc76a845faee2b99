import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# What loading made (settings, URLconf, WhiteNoise's table of every static file) lives as long as the
# process: take it out of the garbage collector's full passes, which otherwise walk it again and again.
gc.collect()
gc.freeze()
