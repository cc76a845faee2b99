from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ choices|get_item:product_id }}``: a dict lookup by a variable key."""
    return mapping.get(key) if mapping else None
