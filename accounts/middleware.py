from django.conf import settings
from django.utils import timezone, translation

from accounts.services import save_preferences
from core.dates import TIME_ZONE_COOKIE, valid_time_zone, zone

SESSION_LANGUAGE_KEY = "shopper_language"
SESSION_TIME_ZONE_KEY = "shopper_time_zone"


def chosen_language(request) -> str:
    """The language picked with the switcher on this device (its cookie), if it is one we offer; else ""."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return code if code in dict(settings.LANGUAGES) else ""


def browser_time_zone(request) -> str:
    """The zone this browser reported (static/js/timezone.js), if it is a zone we know; else ""."""
    return valid_time_zone(request.COOKIES.get(TIME_ZONE_COOKIE))


class ShopperLanguageMiddleware:
    """A signed-in shopper reads pages in their stored language (kept in the session at sign-in
    and on change); everyone else gets LocaleMiddleware's pick: the switcher's cookie, else the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_LANGUAGE_KEY) if request.user.is_authenticated else None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class ShopperTimeZoneMiddleware:
    """Times read in the reader's zone: the browser's (its cookie), else a signed-in shopper's stored one
    (kept in the session at sign-in), else the store's (``TIME_ZONE``). A signed-in shopper whose browser
    reports another zone than the one stored has it saved to the profile (emails follow the profile), once
    per change: the session remembers what was saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = browser_time_zone(request)
        if request.user.is_authenticated and not request.user.is_staff:
            stored = request.session.get(SESSION_TIME_ZONE_KEY, "")
            if name and name != stored:
                save_preferences(user=request.user, time_zone=name)
                request.session[SESSION_TIME_ZONE_KEY] = name
            name = name or stored
        if not name:
            return self.get_response(request)  # the store's zone (TIME_ZONE), the default
        with timezone.override(zone(name)):  # and back after: the thread's next request starts from the store's
            return self.get_response(request)
