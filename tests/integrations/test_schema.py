"""schemathesis against the OpenAPI schema, in-process, with every check it has: the integration API with an
API key and the shopper API with a signed-in session. Generated requests (examples, coverage and fuzzing
phases) never get a server error, an undocumented status or header, a body that breaks the schema, a
schema-valid request refused or a schema-breaking one accepted."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from config.wsgi import application
from integrations.constants import Scope
from integrations.services import create_api_key

EXAMPLES = 50
# A schema-valid request may still be refused by the store's rules (an unknown SKU): 422, never 400 or 5xx.
# The same cases every run, so CI answers for the code, not the dice; SCHEMATHESIS_SEED=random explores.
SEED = os.environ.get("SCHEMATHESIS_SEED", "2026")
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}
        },
        **({} if SEED == "random" else {"seed": int(SEED)}),
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
integration = schema.exclude(path_regex=r"^/api/v1/me/")
shopper = schema.include(path_regex=r"^/api/v1/me/")
CSRF = "schemathesisCsrfToken0123456789abcdef"  # any 32+ characters: the cookie and the header must agree
# The auth providers mark where a credential goes (schemathesis leaves it out of the cases that test a missing
# one); cases can be made before the test's fixtures run, so the test puts its real credential in its place.
KEY, SESSION = "ak_placeholder", "session-placeholder"


@integration.auth(refresh_interval=None)
class ApiKeyAuth:
    def get(self, case, ctx):
        return KEY

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@shopper.auth(refresh_interval=None)
class SessionAuth:
    def get(self, case, ctx):
        return SESSION

    def set(self, case, data, ctx):
        case.cookies = {**(case.cookies or {}), "sessionid": data, "csrftoken": CSRF}
        case.headers = {**(case.headers or {}), "X-CSRFToken": CSRF}


def with_credentials(case, *, key: str = "", session: str = "") -> None:
    headers, cookies = case.headers or {}, case.cookies or {}
    if key and headers.get("Authorization") == f"Bearer {KEY}":
        headers["Authorization"] = f"Bearer {key}"
    if session and cookies.get("sessionid") == SESSION:
        cookies["sessionid"] = session


def point_at_rows(case, rows: dict) -> None:
    """Path ids of rows that exist, so generated bodies reach the services instead of stopping at a 404 — unless
    the path itself is what this case breaks on purpose."""
    path = (case.meta.components if case.meta else {}).get(ParameterLocation.PATH)
    if path is not None and path.mode.is_negative:
        return
    for name in case.path_parameters or {}:
        if name in rows:
            case.path_parameters[name] = rows[name]


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


@pytest.fixture
def shopper_session(catalog, in_process, client):
    """A signed-in shopper with an order and an edit under way."""
    from editing import staging
    from orders.constants import ActorKind
    from tests.editing.conftest import place
    from tests.editing.test_services import MUG

    order = place([(MUG, 2)], paid="card")
    edit = staging.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    client.force_login(order.customer)
    return {"session": client.cookies["sessionid"].value, "number": order.number, "session_id": edit.pk}


@pytest.mark.django_db
@integration.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_integration_api_keeps_its_schema(case, api_key):
    returns = case.path.startswith("/api/v1/returns/")
    point_at_rows(case, {"number": api_key["return"]} if returns else api_key)
    with_credentials(case, key=api_key["raw"])
    case.call_and_validate()


@pytest.mark.django_db
@shopper.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_shopper_api_keeps_its_schema(case, shopper_session):
    point_at_rows(case, shopper_session)
    with_credentials(case, session=shopper_session["session"])
    case.call_and_validate()


def nullable_as_types(node):
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema's null type, throughout."""
    if isinstance(node, list):
        return [nullable_as_types(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: nullable_as_types(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def test_every_answer_of_every_operation_has_an_example_that_fits_its_schema(client):
    document = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(nullable_as_types(document), default_specification=DRAFT7)
    )
    checked = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if content is None:
                    assert status == "204", f"{method} {path}: {status} has no JSON body"
                    continue
                assert content.get("examples"), f"{method} {path}: no example of its {status} answer"
                pointer = "/".join(
                    part.replace("~", "~0").replace("/", "~1")
                    for part in ("paths", path, method, "responses", status, "content", "application/json", "schema")
                )
                validator = Draft7Validator({"$ref": f"urn:api#/{pointer}"}, registry=registry)
                for name, example in content["examples"].items():
                    if status == "200" and "next" in example["value"]:  # a list: not its one row wrapped twice
                        assert not any(
                            isinstance(row, dict) and "results" in row for row in example["value"]["results"]
                        )
                    errors = [error.message for error in validator.iter_errors(example["value"])]
                    assert not errors, f"{method} {path} {status} example {name}: {errors}"
                checked.add((method, path, status))
    assert len({(method, path) for method, path, _status in checked}) == 18  # every operation
    # Every one names its errors: the API's operations all can be refused as not allowed (403) at least.
    assert all(
        "403" in operation["responses"]
        for operations in document["paths"].values()
        for operation in operations.values()
    )


def test_integration_answers_document_the_rate_limit_headers(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    orders = paths["/api/v1/orders/"]["get"]["responses"]
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(orders["200"]["headers"])
    assert "Retry-After" in orders["429"]["headers"] and "Retry-After" not in orders["200"]["headers"]
    assert "headers" not in paths["/api/v1/me/orders/"]["get"]["responses"]["200"]  # the shopper API has no rate
