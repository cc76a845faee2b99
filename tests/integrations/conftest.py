import pytest
from rest_framework.test import APIClient

from integrations.constants import Scope
from integrations.services import create_api_key


@pytest.fixture
def api(catalog):
    """A client whose key has every scope."""
    _key, raw = create_api_key(name="Warehouse", scopes=list(Scope.values))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def client_with(*scopes, rate=120):
    _key, raw = create_api_key(name="Scoped", scopes=list(scopes), requests_per_minute=rate)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


ORDER = {
    "external_id": "shop-1001",
    "email": "ext.buyer@example.com",
    "name": "Ext Buyer",
    "language": "nl",
    "lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 2}, {"sku": "ORGANIC-COTTON-TEE-M-WHITE", "quantity": 1}],
    "shipping_method": "standard",
    "shipping_address": {
        "name": "Ext Buyer",
        "line1": "Prinsengracht 263",
        "city": "Amsterdam",
        "postal_code": "1016 GV",
        "country": "NL",
    },
    "payments": [{"amount": "10.00", "reference": "pi_1", "gateway": "shopify"}],
}
