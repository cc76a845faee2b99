"""Names of what was bought, in emails and pages: the catalog's current names in the reader's language.

Order emails carry each item's ``variant_id`` beside the name frozen on its line (``name``, or ``item`` for an
edit's changes). When the send job renders the email, ``localize_item_names`` (registered with notifications
in ``OrdersConfig.ready``) swaps in the product's and variant's names in the email's language while the variant
exists, in one query; a variant gone keeps the name bought. Pages do the same with their lines
(``OrderLine.shown_product_name``).
"""

from __future__ import annotations

from storefront.selectors import catalog_item_names, delivery_names

# The context lists that hold items, and the keys their names are under.
ITEM_LISTS = ("lines", "items", "changes")
NAME_KEYS = ("name", "item")


def item_title(product_name: str, variant_name: str) -> str:
    """One line's name as emails write it: "Merino crew-neck sweater – M / Navy"."""
    return f"{product_name} – {variant_name}" if variant_name else product_name


def localize_item_names(context: dict, language: str) -> dict:
    """``context`` with each item's name, and an edit's new delivery, as the catalog now has them in ``language``
    (the same dict when nothing names a variant or a delivery, and then no query)."""
    lists = {key: value for key in ITEM_LISTS if isinstance(value := context.get(key), list)}
    wanted = {
        item.get(key)
        for items in lists.values()
        for item in items
        if isinstance(item, dict)
        for key in ("variant_id", "from_variant_id")
    } | {
        # A return's exchange: {"exchange_for": {"name", "variant_id"}}.
        item["exchange_for"].get("variant_id")
        for items in lists.values()
        for item in items
        if isinstance(item, dict) and isinstance(item.get("exchange_for"), dict)
    }
    names = catalog_item_names({pk for pk in wanted if isinstance(pk, int)}, language)
    if names:
        context = {**context, **{key: renamed_items(items, names) for key, items in lists.items()}}
    if isinstance(changes := context.get("changes"), list):
        context = {**context, "changes": renamed_deliveries(changes, language)}
    return context


def renamed_deliveries(changes: list, language: str) -> list:
    """An edit's new delivery method or pickup place ({"type": "delivery", "method_id" | "pickup_id"}) named in
    ``language``; no query when the edit changed neither."""
    deliveries = [change for change in changes if isinstance(change, dict) and change.get("type") == "delivery"]
    if not deliveries:
        return changes
    methods, places = delivery_names(
        {change.get("method_id") for change in deliveries}, {change.get("pickup_id") for change in deliveries}, language
    )

    def renamed(change):
        if not isinstance(change, dict) or change.get("type") != "delivery":
            return change
        if (name := methods.get(change.get("method_id"))) and "method" in change:
            return {**change, "method": name}
        if (name := places.get(change.get("pickup_id"))) and "pickup" in change:
            return {**change, "pickup": name}
        return change

    return [renamed(change) for change in changes]


def renamed_items(items: list, names: dict[int, tuple[str, str]]) -> list:
    """``items`` with the names of those whose variant is in ``names`` ({variant id: (product, variant)})."""

    def renamed(item):
        found = names.get(item.get("variant_id")) if isinstance(item, dict) else None
        if found is None or not found[0]:
            return item
        item = {**item, **{key: item_title(*found) for key in NAME_KEYS if key in item}}
        exchange = item.get("exchange_for")
        if isinstance(exchange, dict) and (other := names.get(exchange.get("variant_id"))) and other[0]:
            item["exchange_for"] = {**exchange, "name": item_title(*other)}
        if "to_variant" in item:  # a swap: "Tee: M / White → L / Black"
            before = names.get(item.get("from_variant_id"))
            item.update(product=found[0], to_variant=found[1], **({"from_variant": before[1]} if before else {}))
        return item

    return [renamed(item) for item in items]
