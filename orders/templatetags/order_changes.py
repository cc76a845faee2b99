"""``{% for sentence in changes|change_sentences %}``: an edit's change records as sentences in the active
language (``orders.presentation.describe_changes``). The order-edited emails load it, so they are worded at
send time in the message's language, from the same records and by the same function as the edit page and
the Pay now page."""

from django import template

from orders.presentation import describe_changes

register = template.Library()


@register.filter
def change_sentences(changes) -> list[str]:
    return describe_changes(list(changes or []))
