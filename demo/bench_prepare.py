"""Inputs for the load test, made inside the benchmark database: signed-in sessions for random
shoppers, the pages to ask for, edit sessions to preview and to commit, and query counts per page."""

from __future__ import annotations

import json
import random
import re
import secrets
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from editing import services as editing
from editing.models import EditPolicy, EditSession
from orders.constants import ActorKind
from orders.models import Order
from orders.services import LineRequest, place_order
from orders.status_links import status_path
from storefront.models import ShippingMethod, StoreSettings, Variant
from storefront.selectors import catalog_rates

REPEATED = 300  # pages of each kind measured on a second view
STATUS_PAGES = 12_000
CSRF = secrets.token_hex(16)  # 32 characters: Django accepts the bare secret as the header token
ADDRESS = {
    "name": "Bench Shopper",
    "line1": "Benchstraat 1",
    "city": "Utrecht",
    "postal_code": "3511 AB",
    "country": "NL",
}


def _session_cookie(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "accounts.backends.ShopperBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"sessionid={store.session_key}; csrftoken={CSRF}"


BENCH_STAFF = "bench-staff@example.com"
BENCH_STAFF_PASSWORD = "bench-staff-" + secrets.token_hex(8)
STAFF_PAGES = 200  # list pages of 100 rows, and searches per field


def _staff_cookie() -> str:
    """A manager signed in to admin the real way (password, then an authenticator code): the session cookie."""
    from django_otp.oath import totp

    from accounts.services import give_staff_totp

    user = User.objects.filter(email=BENCH_STAFF).first() or User.objects.create_superuser(BENCH_STAFF, "x")
    user.set_password(BENCH_STAFF_PASSWORD)
    user.save(update_fields=["password"])
    device, _codes = give_staff_totp(user=user)
    client = Client()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(
        "/admin/login/?next=/admin/", {"username": BENCH_STAFF, "password": BENCH_STAFF_PASSWORD, "otp_token": code}
    )
    if response.status_code != 302:
        raise RuntimeError("the bench's staff sign-in failed")
    return f"sessionid={client.cookies['sessionid'].value}"


def _staff_requests(rng) -> dict[str, list[dict]]:
    """The service desk at scale: the order and customer lists page by page, and a customer search by each
    field the desk searches, with values taken from random customers and their orders."""
    cookie = _staff_cookie()

    def get(path: str) -> dict:
        return {"path": path, "cookie": cookie}

    orders = list(
        Order.objects.filter(customer__isnull=False)
        .order_by("?")
        .values("number", "email", "shipping_address")[:STAFF_PAGES]
    )
    names = list(
        User.objects.filter(profile__name__gt="").order_by("?").values_list("profile__name", flat=True)[:STAFF_PAGES]
    )
    vat_ids = list(
        User.objects.filter(profile__vat_id__gt="")
        .order_by("?")
        .values_list("profile__vat_id", flat=True)[:STAFF_PAGES]
    )
    companies = [o["shipping_address"].get("company") for o in orders if (o["shipping_address"] or {}).get("company")]
    addresses = [o["shipping_address"] or {} for o in orders]
    terms = {
        "email": [o["email"] for o in orders],
        "name": names,
        "phone": [re.sub(r"\D", "", a["phone"])[-8:] for a in addresses if a.get("phone")],
        # The address line as the agent has it (street and number): the bench store has 7 street names for
        # 100,000 customers, so a bare "Prinsengracht" names 14,000 of them (3 s to count, docs/benchmarks.md).
        "street": [a["line1"] for a in addresses if a.get("line1")],
        "postal_code": [a["postal_code"] for a in addresses if a.get("postal_code")],
        "company": companies or names,
        "vat_id": vat_ids or names,
        "order_number": [str(o["number"]) for o in orders],
    }
    scenarios = {
        "staff_order_list": [get(f"/admin/orders/order/?p={page}") for page in range(1, STAFF_PAGES + 1)],
        "staff_customer_list": [get(f"/admin/desk/customer/?p={page}") for page in range(1, STAFF_PAGES + 1)],
        "staff_customers_owing": [get("/admin/desk/customer/?balance_due=yes") for _ in range(20)],
    }
    for field, values in terms.items():
        rng.shuffle(values)
        scenarios[f"staff_search_{field}"] = [
            get(f"/admin/desk/customer/?q={quote(value)}") for value in values if value
        ]
    return scenarios


def _place_editable(user: User, variants: list[Variant], method: ShippingMethod, lines: int, rng) -> Order:
    picks = rng.sample(variants, k=min(lines, len(variants)))
    return place_order(
        email=user.email,
        lines=[LineRequest(variant_id=v.pk, quantity=1) for v in picks],
        shipping_method=method,
        shipping_address=ADDRESS,
        send_confirmation=False,
    )


def prepare(*, out: Path, shoppers: int = 600, commits: int = 3000, hot: int = 600, seed: int = 11) -> dict:
    rng = random.Random(seed)  # noqa: S311 - reproducible bench data, not secrets
    StoreSettings.objects.update(edit_window_minutes=None)  # bench orders stay editable however long the run takes
    users = list(User.objects.filter(email__startswith="bulk").order_by("?")[:shoppers])
    cookies = {user.pk: _session_cookie(user) for user in users}
    variants = list(Variant.objects.filter(is_fee=False))
    method = ShippingMethod.objects.get(code="standard")

    list_requests, detail_requests, status_requests = [], [], []
    orders_by_user: dict[int, list[int]] = {}
    for customer_id, number in Order.objects.filter(customer__in=users).values_list("customer_id", "number"):
        orders_by_user.setdefault(customer_id, []).append(number)
    # Every order of the shoppers, and status links of orders all over the store: enough pages that a
    # first view in the run stays a first view (the run must not come round to a page it has shown).
    for user in users:
        list_requests.append({"path": "/store/account/orders/", "cookie": cookies[user.pk]})
        for number in orders_by_user.get(user.pk, []):
            detail_requests.append({"path": f"/store/account/orders/{number}/", "cookie": cookies[user.pk]})
    for number in Order.objects.order_by("?").values_list("number", flat=True)[:STATUS_PAGES]:
        status_requests.append({"path": status_path(number), "cookie": ""})
    # Orders of 1 to 50 lines: add big ones to the detail mix.
    for user in users[:20]:
        big = _place_editable(user, variants, method, lines=rng.choice([10, 25, 50]), rng=rng)
        detail_requests.append({"path": f"/store/account/orders/{big.number}/", "cookie": cookies[user.pk]})

    baseline = [
        {"path": f"/bench/baseline/?n={n}", "cookie": ""}
        for n in Order.objects.order_by("?").values_list("number", flat=True)[:2000]
    ]

    def staged_session(user, order) -> EditSession:
        session = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=user)
        line = order.lines.first()
        return editing.stage_quantity(session_id=session.pk, line_id=line.pk, quantity=line.quantity + 1)

    preview_requests, commit_requests = [], []
    for user in users[:200]:
        order = _place_editable(user, variants, method, lines=3, rng=rng)
        session = staged_session(user, order)
        preview_requests.append(
            {"path": f"/api/v1/me/orders/{order.number}/edits/{session.pk}/", "cookie": cookies[user.pk]}
        )
    for i in range(commits):
        user = users[i % len(users)]
        order = _place_editable(user, variants, method, lines=2, rng=rng)
        session = staged_session(user, order)
        commit_requests.append(_commit(order, session, cookies[user.pk]))
    hot_user = users[0]
    hot_order = _place_editable(hot_user, variants, method, lines=2, rng=rng)
    first = staged_session(hot_user, hot_order)
    EditSession.objects.bulk_create(
        EditSession(
            order=hot_order,
            base_content_version=first.base_content_version,
            actor_kind=ActorKind.CUSTOMER,
            actor=hot_user,
            staged=first.staged,
        )
        for _ in range(hot - 1)
    )
    hot_requests = [
        _commit(hot_order, session, cookies[hot_user.pk]) for session in EditSession.objects.filter(order=hot_order)
    ]
    signin_requests = [
        {
            "method": "POST",
            "path": "/store/account/login/",
            "cookie": f"csrftoken={CSRF}",
            "body": f"email={user.email}&csrfmiddlewaretoken={CSRF}",
            "type": "application/x-www-form-urlencoded",
        }
        for user in users
    ]
    # Pages viewed again: their cached copies are made here, before the run (detail_requests already
    # holds each page once, so the plain scenarios measure first views).
    rng.shuffle(detail_requests)
    rng.shuffle(status_requests)
    detail_again, detail_requests = detail_requests[:REPEATED], detail_requests[REPEATED:]
    status_again, status_requests = status_requests[:REPEATED], status_requests[REPEATED:]
    for request in [*detail_again, *status_again]:
        _send(request)
    scenarios = {
        "baseline": baseline,
        "order_list": list_requests,
        "order_detail": detail_requests,
        "order_detail_again": detail_again,
        "status_link": status_requests,
        "status_link_again": status_again,
        "edit_preview": preview_requests,
        "edit_commit": commit_requests,
        "edit_commit_hot": hot_requests,
        "sign_in_code": signin_requests,
        **_staff_requests(rng),
    }
    out.mkdir(parents=True, exist_ok=True)
    queries: dict[str, int] = {}
    for name, requests in scenarios.items():
        if name not in ("edit_commit", "edit_commit_hot"):
            rng.shuffle(requests)
        # Counted on a request of its own: a commit can only happen once. The hot order's sessions all
        # share one version, so they are left for the run, where one wins and the rest conflict.
        if name == "edit_commit_hot":
            queries[name] = queries["edit_commit"]
        else:
            probe = requests.pop()
            # A page viewed again is counted on its second view; any other after another request of its
            # kind, by the same shopper where there is one (the run signs each shopper in many times).
            same_shopper = [r for r in requests if probe["cookie"] and r["cookie"] == probe["cookie"]]
            warm_with = probe if name.endswith("_again") else (same_shopper or requests)[-1]
            queries[name] = _count_queries(probe, warm_with=warm_with)
        (out / f"{name}.lua").write_text(_lua(requests))
    (out / "queries.json").write_text(json.dumps(queries))
    sizes = {name: len(requests) for name, requests in scenarios.items()}
    (out / "sizes.json").write_text(json.dumps(sizes))
    return sizes


def _commit(order, session, cookie) -> dict:
    return {
        "method": "POST",
        "path": f"/api/v1/me/orders/{order.number}/edits/{session.pk}/commit/",
        "cookie": cookie,
        "body": json.dumps({"version": session.base_content_version}),
        "type": "application/json",
    }


def _lua(requests: list[dict]) -> str:
    def quote(text: str) -> str:
        return json.dumps(text)  # JSON string literals are valid Lua string literals for this ASCII data

    rows = ",\n".join(
        "{" + f"method={quote(r.get('method', 'GET'))}, path={quote(r['path'])}, cookie={quote(r['cookie'])}, "
        f"body={quote(r.get('body', ''))}, ctype={quote(r.get('type', ''))}" + "}"
        for r in requests
    )
    return f"""-- generated by demo.bench_prepare
local reqs = {{
{rows}
}}
local i = 0
-- `wrk ... -- N` starts at request N: the warm-up and the measured run use different commits.
init = function(args) i = tonumber(args[1] or "0") end
request = function()
  i = i + 1
  local r = reqs[((i - 1) % #reqs) + 1]
  local headers = {{}}
  if r.cookie ~= "" then headers["Cookie"] = r.cookie end
  if r.method == "POST" then
    headers["Content-Type"] = r.ctype
    headers["X-CSRFToken"] = "{CSRF}"
  end
  return wrk.format(r.method, r.path, headers, r.method == "POST" and r.body or nil)
end
"""


def _client(request: dict) -> Client:
    client = Client(enforce_csrf_checks=False)
    for part in filter(None, request["cookie"].split("; ")):
        key, value = part.split("=", 1)
        client.cookies[key] = value
    return client


def _send(request: dict, client: Client | None = None):
    client = client or _client(request)
    if request.get("method") == "POST":
        return client.post(request["path"], request["body"], content_type=request["type"])
    return client.get(request["path"])


def _count_queries(request: dict, *, warm_with: dict) -> int:
    """Queries one request makes, measured in-process after ``warm_with`` (a GET; posts happen once)."""
    if request.get("method") != "POST":
        _send(warm_with)
    if "sessionid=" in request["cookie"]:
        # A shopper who has been signed in a while, as every shopper is after their first request in the
        # run: their session and user come from Redis. The profile page caches nothing the pages measured read.
        _send({"path": "/store/account/profile/", "cookie": request["cookie"]})
    # What every process holds once it has run a while (settings, policy, the catalog's rates).
    StoreSettings.cached(), EditPolicy.cached(), catalog_rates()
    with CaptureQueriesContext(connection) as ctx:
        response = _send(request)
    if response.status_code >= 500:
        raise RuntimeError(f"{request['path']} answered {response.status_code}")
    return len(ctx.captured_queries)
