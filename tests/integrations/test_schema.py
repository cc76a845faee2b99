"""schemathesis against the OpenAPI schema, in-process: generated requests to every operation (a bounded
number each) never get a server error or a response that breaks the schema."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from integrations.constants import Scope
from integrations.services import create_api_key

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def in_process():
    """Serve WSGI requests inside the test's transaction, as Django's test client does (it would
    otherwise close the connection after each request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(catalog, in_process):
    """Every scope, and a rate no generated run reaches; orders exist for the paths that need one."""
    from orders import services
    from returns import services as returns
    from tests.editing.conftest import place
    from tests.editing.test_services import MUG
    from tests.returns.helpers import ask, delivered

    orders = [place([(MUG, 2)], paid="card") for _ in range(2)]
    shipment = services.record_shipment(order=orders[0], quantities={orders[0].lines.get().pk: 1})
    returned = returns.approve_return(request=ask(delivered([(MUG, 2)], paid="card"), (MUG, 1, "too_big")), actor=None)
    _key, raw = create_api_key(name="Fuzzer", scopes=list(Scope.values), requests_per_minute=100_000)
    return {"raw": raw, "number": orders[1].number, "id": shipment.pk, "return": returned.number}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, api_key):
    # Point ids at rows that exist, so generated bodies reach the services instead of stopping at a 404.
    for name in ("number", "id"):
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = api_key["return" if case.path.startswith("/api/v1/returns/") else name]
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key['raw']}"}, checks=CHECKS)
