"""Random secrets for links and codes, stored only as hashes."""

import hashlib
import hmac
import secrets

from django.conf import settings


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: not guessable, so limits only guard against abuse


def new_numeric_code(length: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(secret: str, expected_digest: str) -> bool:
    return secrets.compare_digest(digest(secret), expected_digest)


def code_digest(code: str, salt: str) -> str:
    """A short code's hash, keyed with SECRET_KEY: 10^6 codes are no work to try against a plain hash."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def same_code(code: str, salt: str, expected_digest: str) -> bool:
    return bool(expected_digest) and secrets.compare_digest(code_digest(code, salt), expected_digest)
