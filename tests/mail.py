"""Reading a sent code or link in tests. The outbox keeps them masked and never stores them: these read
them from the email exactly as the send job renders it (``render_for_sending``, from Redis)."""

import re

from notifications.models import Message
from notifications.services import render_for_sending


def sent_code(message: Message) -> str:
    """The code in the email as sent (sign-in, email change)."""
    return re.search(r"data-code>\s*([^<\s]+)\s*<", render_for_sending(message).html).group(1)


def sent_link(message: Message) -> str:
    """The sign-in link in the email as sent."""
    return re.search(r'<a href="([^"]+)"[^>]*data-sign-in-link', render_for_sending(message).html).group(1)
