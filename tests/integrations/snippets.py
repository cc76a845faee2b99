"""Code blocks of the docs, as a reader copies them: the block after a ``<!-- marker -->`` line."""

import re

from tests.conftest import ROOT


def snippet(document: str, marker: str) -> str:
    text = (ROOT / document).read_text()
    found = re.search(rf"<!-- {re.escape(marker)} -->\n```[a-z]*\n(.*?)\n```", text, re.DOTALL)
    assert found, f"{document} has no block marked {marker}"
    return found[1]
