"""A number in a link, signed with SECRET_KEY: unguessable without the key, and nothing stored.

The status link, the Pay now link and the unsubscribe link each sign with their own salt, so a
token made for one can't be used as another.
"""

from django.core import signing


class SignedId:
    def __init__(self, salt: str):
        self.signer = signing.Signer(salt=salt)

    def token(self, value: int) -> str:
        return self.signer.sign(str(value)).replace(":", ".")  # dots read better in a URL

    def value(self, token: str) -> int | None:
        try:
            return int(self.signer.unsign(token.replace(".", ":")))
        except (signing.BadSignature, ValueError):
            return None
