"""Random secrets for links and codes, stored only as hashes."""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: not guessable, so limits only guard against abuse


def new_numeric_code(length: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(secret: str, expected_digest: str) -> bool:
    return secrets.compare_digest(digest(secret), expected_digest)
