"""The release this code is: the cache's key prefix, so a deploy never reads what another release cached."""

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What can change a cached value: the code, the templates it renders and their translations.
SOURCES = ("*.py", "*.html", "*.txt", "*.po")
SKIPPED = {".venv", ".data", ".git", "tests", "node_modules", "staticfiles", "media", "docs"}


def code_release(root: Path = ROOT) -> str:
    """A digest of the source tree (used when ``RELEASE`` is unset): the same code gives the same prefix
    in every process, and any change to it a new one."""
    digest = hashlib.sha256()
    for path in sorted(_sources(root)):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _sources(folder: Path):
    for child in folder.iterdir():
        if child.is_dir() and child.name not in SKIPPED and not child.name.startswith("."):
            yield from _sources(child)
        elif child.is_file() and any(child.match(pattern) for pattern in SOURCES):
            yield child
