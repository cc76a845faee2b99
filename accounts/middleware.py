from django.utils import translation

SESSION_LANGUAGE_KEY = "shopper_language"


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
