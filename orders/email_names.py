"""Names of what was bought, in emails: the catalog's current names in the email's language.

Order emails carry each item's ``variant_id`` beside the name frozen on its line (``name``, or ``item`` for an
edit's changes). When the send job renders the email, ``localize_item_names`` (registered with notifications
in ``OrdersConfig.ready``) swaps in the product's and variant's names in the email's language while the variant
exists, in one query; a variant gone keeps the name bought. Pages do the same with their lines
(``OrderLine.shown_product_name``).
"""

from __future__ import annotations

from storefront.selectors import catalog_item_names

# The context lists that hold items, and the keys their names are under.
ITEM_LISTS = ("lines", "items", "changes")
NAME_KEYS = ("name", "item")


def item_title(product_name: str, variant_name: str) -> str:
    """One line's name as emails write it: "Merino crew-neck sweater – M / Navy"."""
    return f"{product_name} – {variant_name}" if variant_name else product_name


def localize_item_names(context: dict, language: str) -> dict:
    """``context`` with each item's name as the catalog now has it in ``language`` (the same dict when no item
    names a variant, and then no query)."""
    lists = {key: value for key in ITEM_LISTS if isinstance(value := context.get(key), list)}
    wanted = {item.get("variant_id") for items in lists.values() for item in items if isinstance(item, dict)}
    names = catalog_item_names({pk for pk in wanted if isinstance(pk, int)}, language)
    if not names:
        return context
    return {**context, **{key: renamed_items(items, names) for key, items in lists.items()}}


def renamed_items(items: list, names: dict[int, tuple[str, str]]) -> list:
    """``items`` with the names of those whose variant is in ``names`` ({variant id: (product, variant)})."""

    def renamed(item):
        found = names.get(item.get("variant_id")) if isinstance(item, dict) else None
        if found is None or not found[0]:
            return item
        return {**item, **{key: item_title(*found) for key in NAME_KEYS if key in item}}

    return [renamed(item) for item in items]
