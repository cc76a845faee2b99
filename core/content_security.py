"""Content-Security-Policy: django-csp's middleware, with exceptions scoped to paths.

The policy (``settings.CONTENT_SECURITY_POLICY``) lets no inline script, style or event handler run. A
few pages we don't render ourselves need more; ``settings.CSP_PATH_EXCEPTIONS`` maps a path prefix to
the sources added there (for the longest matching prefix), so the rest of the site never gets them.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from pathlib import Path

from csp.constants import UNSAFE_HASHES
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

Directives = dict[str, list[str]]

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle=(["'])(.*?)\1""", re.DOTALL | re.IGNORECASE)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header, plus what ``CSP_PATH_EXCEPTIONS`` adds under the request's path."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        extra = path_exception(request.path_info)
        if extra and not report_only:
            update = {name: list(sources) for name, sources in (parts.update or {}).items()}
            for name, sources in extra.items():
                update[name] = [*update.get(name, []), *sources]
            parts.update = update
        return parts


def path_exception(path: str) -> Directives:
    """The sources added under ``path``: those of the longest prefix of CSP_PATH_EXCEPTIONS it starts with."""
    exceptions: dict[str, Directives] = getattr(settings, "CSP_PATH_EXCEPTIONS", {})
    prefixes = [prefix for prefix in exceptions if path.startswith(prefix)]
    return exceptions[max(prefixes, key=len)] if prefixes else {}


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _verbatim(code: str) -> bool:
    """Sent as the template has it: no variable, tag or comment of the template language inside."""
    return not any(mark in code for mark in ("{{", "{%", "{#"))


def inline_hashes(package: str, folder: str = "templates") -> Directives:
    """Hashes of exactly the inline scripts, style blocks and style attributes of a package's templates,
    for its pages' exception: what its next version changes is hashed again at start, nothing else runs.
    Only for templates whose inline code holds no template variables (their text is what the page sends)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return {}
    scripts: set[str] = set()
    styles: set[str] = set()
    attributes: set[str] = set()
    for root in spec.submodule_search_locations:
        for template in sorted(Path(root, folder).rglob("*.html")):
            text = template.read_text(encoding="utf-8")
            scripts.update(_digest(code) for code in _INLINE_SCRIPT.findall(text) if _verbatim(code))
            styles.update(_digest(code) for code in _INLINE_STYLE.findall(text) if _verbatim(code))
            attributes.update(_digest(value) for _quote, value in _STYLE_ATTRIBUTE.findall(text) if _verbatim(value))
    directives: Directives = {}
    if scripts:
        directives["script-src"] = sorted(scripts)
    if styles or attributes:
        directives["style-src"] = [*sorted(styles), *([UNSAFE_HASHES, *sorted(attributes)] if attributes else [])]
    return directives
