"""API keys, idempotent requests and outbound webhooks.

Webhooks are read from the order timeline: every committed ``OrderEvent`` of a webhook type becomes
one delivery row per subscribed endpoint (unique, so twice is once), then an RQ job posts it, signed.
Two paths create the rows: a listener right after the event's transaction commits (fast), and the
dispatcher that walks the timeline behind a cursor every minute (nothing is lost if a process dies
between commit and listener).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.tokens import digest
from core import cache as caching
from core import queues
from core.reasons import Reason
from editing import services as editing
from integrations.constants import IDEMPOTENCY_KEY_HOURS, WEBHOOK_FOR_EVENT, DeliveryStatus
from integrations.models import ApiKey, DispatchCursor, IdempotentRequest, WebhookDelivery, WebhookEndpoint
from integrations.payloads import order_payload, return_payload
from notifications.constants import MessageKind
from notifications.services import notify
from orders import services as order_services
from orders.constants import ActorKind, MoneySource
from orders.errors import OrderError
from orders.events import RETURN_EVENTS
from orders.models import Order, OrderEvent
from storefront.models import PickupLocation, ShippingMethod, StoreSettings, Variant

# --- API keys ---------------------------------------------------------------------------------------


def create_api_key(*, name: str, scopes: list[str], requests_per_minute: int = 120) -> tuple[ApiKey, str]:
    """A new key; the raw key is returned once (only its hash is kept)."""
    prefix = secrets.token_hex(4)
    raw = f"ak_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=digest(raw), scopes=scopes, requests_per_minute=requests_per_minute
    )
    return key, raw


def api_key_for(raw: str) -> ApiKey | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "ak":
        return None
    key = ApiKey.objects.filter(prefix=parts[1], is_active=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, digest(raw)):
        return None
    if key.last_used_at is None or key.last_used_at < timezone.now() - timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())  # at most once a minute
    return key


# --- Idempotency-Key ------------------------------------------------------------------------------------


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """Of the request's meaning: a JSON body as canonical JSON (keys sorted, no insignificant whitespace), so
    the same document sent again with other spacing or key order is the same request."""
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), canonical_json(body)])).hexdigest()


def canonical_json(body: bytes) -> bytes:
    """The body as canonical JSON; a body that is not JSON as it came (it gets its 400 anyway)."""
    try:
        document = json.loads(body) if body.strip() else None
    except ValueError:  # includes UnicodeDecodeError
        return body
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def forget_old_idempotency_keys(*, older_than_hours: int = IDEMPOTENCY_KEY_HOURS) -> int:
    """Keys are honoured for IDEMPOTENCY_KEY_HOURS; then the stored answers go (the API already ignores them)."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    return IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()[0]


# --- orders from other systems -----------------------------------------------------------------------


def place_external_order(data: dict, *, actor) -> tuple[Order, bool]:
    """The same ``place_order`` as checkout, idempotent by external id (a unique column: two racing
    requests make one order), then the payments the other system already captured."""
    existing = Order.objects.filter(external_id=data["external_id"]).first()
    created = existing is None
    if existing is None:
        variants = _variants_by_sku([line["sku"] for line in data["lines"]])
        lines = []
        for index, line in enumerate(data["lines"]):
            if line["sku"] not in variants:
                raise OrderError(
                    "Unknown SKU.", code="unknown_sku", fields={f"lines.{index}.sku": [f"No variant {line['sku']}."]}
                )
            lines.append(
                order_services.LineRequest(
                    variant_id=variants[line["sku"]], quantity=line["quantity"], customization=line["customization"]
                )
            )
        method = pickup = None
        if data.get("shipping_method"):
            method = ShippingMethod.objects.filter(code=data["shipping_method"], is_active=True).first()
            if method is None:
                raise OrderError("Unknown shipping method.", fields={"shipping_method": ["No such active method."]})
        if data.get("pickup_location"):
            pickup = PickupLocation.objects.filter(pk=data["pickup_location"], is_active=True).first()
            if pickup is None:
                raise OrderError("Unknown pickup location.", fields={"pickup_location": ["No such location."]})
        try:
            with transaction.atomic():
                order = order_services.place_order(
                    email=data["email"],
                    name=data["name"],
                    language=data["language"],
                    lines=lines,
                    shipping_address=dict(data.get("shipping_address") or {}),
                    billing_address=dict(data.get("billing_address") or {}),
                    shipping_method=method,
                    pickup_location=pickup,
                    discount_code=data["discount_code"],
                    external_id=data["external_id"],
                    actor_kind=ActorKind.INTEGRATION,
                    send_confirmation=data["send_confirmation"],
                )
                if data.get("total") is not None and data["total"] != order.total:
                    raise OrderError(
                        f"The total here is {order.total}, not {data['total']}.",
                        code="total_mismatch",
                        fields={"total": [f"Worked out here: {order.total}."]},
                    )
        except IntegrityError:  # the same external id, placed by a request that won the race
            existing, created = Order.objects.get(external_id=data["external_id"]), False
        else:
            existing = order
    elif data.get("shipping_address") and _address_changed(existing, data["shipping_address"]):
        _change_address(existing, dict(data["shipping_address"]))
    for payment in data["payments"]:
        order_services.record_payment(
            order=existing,
            amount=payment["amount"],
            idempotency_key=f"external-{payment['gateway']}-{payment['reference']}",
            gateway=payment["gateway"],
            gateway_reference=payment["reference"],
            source=MoneySource.IMPORT,
            actor_kind=ActorKind.INTEGRATION,
        )
    existing.refresh_from_db()
    return existing, created


def _address_changed(order: Order, address: dict) -> bool:
    fields = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")
    return any(str(address.get(f, "") or "") != str(order.shipping_address.get(f, "") or "") for f in fields)


def _change_address(order: Order, address: dict) -> None:
    """A new shipping address from the other system: the same edit engine as shoppers and staff use
    (re-rated, versioned, on the timeline, settled), refused once anything has shipped."""
    session = editing.begin_edit(order=order, actor_kind=ActorKind.INTEGRATION)
    editing.stage_address(session_id=session.pk, address=address)
    editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.INTEGRATION)  # the event names the integration


def _variants_by_sku(skus: list[str]) -> dict[str, int]:
    return dict(Variant.objects.filter(sku__in=skus, product__is_active=True).values_list("sku", "pk"))


# --- webhooks ------------------------------------------------------------------------------------------------


def any_active_endpoint() -> bool:
    """Cached for a minute (and held in the process for seconds), so stores without webhooks pay no query nor
    round trip per committed event. A stale answer only delays: the dispatcher reads endpoints fresh and
    delivers what the listener skipped."""
    return caching.cached_rows(
        WebhookEndpoint.cache_key, WebhookEndpoint.objects.filter(is_active=True).exists, timeout=60
    )


def on_order_event(event: OrderEvent) -> None:
    """``ORDER_EVENT_LISTENERS`` hook: runs after the event's transaction committed."""
    if event.type in WEBHOOK_FOR_EVENT and any_active_endpoint():
        create_deliveries([event])


def event_data(event: OrderEvent) -> dict:
    """An event's data as webhooks send it. A reason is ``reason_code`` and ``reason_note`` (core.reasons);
    ``reason`` keeps the sentence receivers read before codes, in the store's language (docs/api.md)."""
    data = dict(event.data or {})
    if "reason_code" in data:
        with translation.override(StoreSettings.cached().language):
            data["reason"] = Reason.from_data(data).text()
    return data


def webhook_data(event: OrderEvent) -> dict:
    """A webhook's ``data``: the order as the API shows it and the event's data; a return's steps add the
    return (``return``: its lines and figures as ``GET /api/v1/returns/<number>/`` shows them)."""
    data: dict[str, dict | None] = {"order": order_payload(event.order_id), "event": event_data(event)}
    return_id = (event.data or {}).get("return")
    if event.type in RETURN_EVENTS and return_id:
        data["return"] = return_payload(return_id)
    return data


def create_deliveries(events: list[OrderEvent]) -> list[int]:
    """One delivery per (endpoint, event), created once however often it is asked; queued on commit."""
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    if not endpoints or not events:
        return []
    created_ids = []
    with transaction.atomic():
        for event in events:
            name = WEBHOOK_FOR_EVENT.get(event.type)
            if name is None:
                continue
            payload = {
                "id": f"evt_{event.pk}",
                "type": name,
                "created_at": event.created_at.isoformat(),
                "data": webhook_data(event),
            }
            for endpoint in endpoints:
                if endpoint.wants(name):
                    delivery, created = WebhookDelivery.objects.get_or_create(
                        endpoint=endpoint, order_event=event, defaults={"event": name, "payload": payload}
                    )
                    if created:
                        created_ids.append(delivery.pk)

        def enqueue_created() -> None:
            queues.enqueue_many("default", [delivery_job(pk) for pk in created_ids])

        queues.on_commit(enqueue_created)
    return created_ids


def dispatch_timeline(*, lag_seconds: int = 10, limit: int = 1000) -> int:
    """Walk the timeline past the cursor (events at least ``lag_seconds`` old, so commits in flight
    are not skipped) and make sure each webhook event has its deliveries. Safe to run at once with itself."""
    with transaction.atomic():
        cursor = DispatchCursor.objects.select_for_update().first() or DispatchCursor.objects.create()
        cutoff = timezone.now() - timedelta(seconds=lag_seconds)
        events = list(
            OrderEvent.objects.filter(pk__gt=cursor.last_event_id, created_at__lte=cutoff)
            .order_by("pk")
            .only("pk", "type", "order_id", "created_at", "data")[:limit]
        )
        if not events:
            return 0
        create_deliveries([event for event in events if event.type in WEBHOOK_FOR_EVENT])
        cursor.last_event_id = events[-1].pk
        cursor.save(update_fields=["last_event_id"])
    return len(events)


def requeue_stale_deliveries(*, older_than_seconds: int | None = None) -> int:
    """Pending deliveries whose job was lost (Redis down, worker killed); sending one twice is harmless
    to a receiver that checks X-Aftersale-Delivery, and rare."""
    if older_than_seconds is None:
        older_than_seconds = settings.SWEEP_STALE_AFTER_SECONDS
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, created_at__lte=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
    return queues.requeue("default", [delivery_job(delivery_id) for delivery_id in ids])


def delivery_job(delivery_id: int) -> tuple:
    """(func, args, at, options) of a delivery's job, by dotted path (the job module imports this one)."""
    retry = queues.retry(attempts=settings.WEBHOOK_MAX_ATTEMPTS, intervals=settings.WEBHOOK_RETRY_INTERVALS)
    options = {"retry": retry, "job_timeout": 60, "job_id": f"webhook-delivery-{delivery_id}"}
    return "integrations.jobs.deliver_webhook", (delivery_id,), None, options


def enqueue_delivery(delivery_id: int) -> None:
    queues.enqueue_many("default", [delivery_job(delivery_id)])


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``: receivers recompute it and check the time."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class DeliveryFailed(Exception):
    """Raised so RQ retries the delivery after its back-off."""


# Webhooks go over HTTP only. URLField also lets ftp:// through, and urllib opens ftp:// and file://
# URLs as readily as http ones (file:// from a row written around the admin form).
WEBHOOK_SCHEMES = ("http", "https")


def deliver(*, delivery_id: int) -> str:
    """POST one delivery, log the attempt, and settle it: delivered, retried, or failed (and the endpoint
    disabled after too many failed deliveries in a row, with an alert to the merchant). Claimed first, so two
    jobs for one delivery (a resend racing a retry) post it once, and one that succeeded is never posted again."""
    delivery = _claim(delivery_id)
    if not isinstance(delivery, WebhookDelivery):
        return delivery
    endpoint = delivery.endpoint
    if urllib.parse.urlsplit(endpoint.url).scheme not in WEBHOOK_SCHEMES:
        attempt = {"at": timezone.now().isoformat(), "status": None, "error": "Not an http(s) URL.", "ms": 0}
        return _settle(delivery_id, attempt, ok=False)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Aftersale-Webhooks/1",
            "X-Aftersale-Event": delivery.event,
            "X-Aftersale-Event-Id": delivery.payload["id"],  # the event's, as in the body: one per endpoint
            "X-Aftersale-Delivery": str(delivery.pk),
            "X-Aftersale-Signature": signature(endpoint.secret, timestamp, body),
        },
    )
    started, status, error = time.monotonic(), None, ""
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    attempt = {
        "at": timezone.now().isoformat(),
        "status": status,
        "error": error,
        "ms": round((time.monotonic() - started) * 1000),
    }
    return _settle(delivery_id, attempt, ok=status is not None and 200 <= status < 300)


def _claim(delivery_id: int) -> WebhookDelivery | str:
    """The delivery, now ours to post until its lease passes; or why not (its status, or "in-flight")."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return delivery.status if delivery else "missing"
        if not delivery.endpoint.is_active:
            return "endpoint-disabled"
        now = timezone.now()
        if delivery.sending_until and delivery.sending_until > now:
            return "in-flight"
        delivery.sending_until = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)
        delivery.save(update_fields=["sending_until"])
    return delivery


def tries_since_resend(attempts: list[dict]) -> int:
    count = 0
    for entry in reversed(attempts):
        if entry.get("resent"):
            break
        count += 1
    return count


def _settle(delivery_id: int, attempt: dict, *, ok: bool) -> str:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        delivery.attempts = [*delivery.attempts, attempt]
        retry = not ok and tries_since_resend(delivery.attempts) < settings.WEBHOOK_MAX_ATTEMPTS
        if ok:
            delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, timezone.now()
            endpoint.consecutive_failures = 0
        elif not retry:
            delivery.status = DeliveryStatus.FAILED
            endpoint.consecutive_failures += 1
            if endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES and endpoint.is_active:
                endpoint.is_active, endpoint.disabled_at = False, timezone.now()
                _alert_disabled(endpoint, delivery)
        delivery.sending_until = None
        delivery.save(update_fields=["attempts", "status", "delivered_at", "sending_until"])
        endpoint.save(update_fields=["consecutive_failures", "is_active", "disabled_at"])
    if retry:
        raise DeliveryFailed(f"webhook delivery {delivery_id}: {attempt['error'] or attempt['status']}")
    return delivery.status


def _alert_disabled(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    store = StoreSettings.load()
    if not store.alert_email:
        return
    notify(
        kind=MessageKind.MERCHANT_WEBHOOK_DISABLED,
        recipient=store.alert_email,
        language=store.language,
        context={
            "url": endpoint.url,
            "failures": endpoint.consecutive_failures,
            "admin_url": f"{settings.SITE_URL}/admin/integrations/webhookendpoint/{endpoint.pk}/change/",
        },
        dedupe_key=f"webhook-endpoint:{endpoint.pk}:disabled:{delivery.pk}",
    )


def resend(*, delivery: WebhookDelivery) -> bool:
    """Staff send a delivery again (admin action): pending with its log kept; the endpoint back on. One the
    receiver took (2xx) is not sent again: under the same delivery id it would drop it as a replay anyway."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == DeliveryStatus.SUCCEEDED:
            return False
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if not endpoint.is_active:
            endpoint.is_active, endpoint.disabled_at, endpoint.consecutive_failures = True, None, 0
            endpoint.save(update_fields=["is_active", "disabled_at", "consecutive_failures"])
        delivery.status, delivery.delivered_at = DeliveryStatus.PENDING, None
        delivery.attempts = [*delivery.attempts, {"at": timezone.now().isoformat(), "resent": True}]
        delivery.save(update_fields=["status", "delivered_at", "attempts"])
        queues.on_commit(partial(enqueue_delivery, delivery.pk))
    return True
