"""Issue 18, item 2: a sign-in code, a sign-in link and an email-change code reach the shopper's inbox and
are kept nowhere else: not in any column of any table, and not in Redis once the email is sent.

Through the real views, a real RQ worker and a real SMTP server; the database is searched column by column
(every text, varchar, char and json column of every table), so a new table that stores one fails here."""

import contextlib
import email
import json
import zlib
from email import policy
from importlib import import_module

import django_rq
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from notifications.secret_store import secrets_key
from notifications.services import SECRETS_GONE
from tests.accounts.conftest import request_code

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TEXT_TYPES = ["character varying", "character", "text", "json", "jsonb", "ARRAY"]


def smtp_env(smtp_server) -> dict:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": smtp_server.host,
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_USE_TLS": "0",
    }


def database_hits(needles: dict[str, str]) -> set[tuple[str, str]]:
    """(table.column, needle's name) for every text-like column of every table holding a needle (json cast to text)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type = ANY(%s) "
            "ORDER BY 1, 2",
            [TEXT_TYPES],
        )
        columns = cursor.fetchall()
        assert len(columns) > 50 and ("notifications_message", "context") in columns
        hits = set()
        for table, column in columns:
            tests = ", ".join(f"bool_or(strpos({quote(column)}::text, %s) > 0)" for _ in needles)
            cursor.execute(f"SELECT {tests} FROM {quote(table)}", list(needles.values()))
            hits |= {
                (f"{table}.{column}", name) for name, found in zip(needles, cursor.fetchone(), strict=True) if found
            }
    return hits


def decoded_sessions() -> list[str]:
    """Every django_session row's data, decoded (it is stored base64 and signed, so a raw search misses it)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    return [
        json.dumps(store.decode(data), default=str) for data in Session.objects.values_list("session_data", flat=True)
    ]


def redis_blobs(*, sessions: bool | None = None) -> list[bytes]:
    """Every key and value in the test Redis database (strings, hashes, lists, sets, sorted sets, streams),
    zlib-compressed ones (RQ's job data) also uncompressed. ``sessions``: only (True) or all but (False)
    the keys of cached sessions."""
    client = django_rq.get_connection("default")
    blobs = []
    for key in client.scan_iter(count=1000):
        if sessions is not None and (b"django.contrib.sessions" in key) != sessions:
            continue
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key)]
        elif kind == b"hash":
            values = [part for pair in client.hgetall(key).items() for part in pair]
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = client.zrange(key, 0, -1)
        elif kind == b"stream":
            values = [part for _id, fields in client.xrange(key) for pair in fields.items() for part in pair]
        else:
            values = []
        for value in [key, *values]:
            blobs.append(value)
            with contextlib.suppress(zlib.error):
                blobs.append(zlib.decompress(value))
    return blobs


def held_secrets(message: Message) -> dict:
    return caches["default"].get(secrets_key(message.pk))


def ask_for_all(shopper) -> dict[str, Message]:
    """A sign-in code and link (the shopper's sign-in page), then an email change (their profile): a code to
    the new address, one to the current address, and once both are entered, an undo link to the old one."""
    assert request_code(Client(), "sam@example.com").status_code == 302
    signed_in = Client()
    signed_in.force_login(shopper)
    assert signed_in.post("/store/account/profile/email/", {"email": "new@example.com"}).status_code == 302
    new = Message.objects.get(kind=MessageKind.EMAIL_CHANGE_CODE)
    approval = Message.objects.get(kind=MessageKind.EMAIL_CHANGE_APPROVAL)
    codes = {"new_code": held_secrets(new)["code"], "current_code": held_secrets(approval)["code"]}
    assert signed_in.post("/store/account/profile/email/confirm/", codes).status_code == 302
    return {
        "sign_in": Message.objects.get(kind=MessageKind.SIGN_IN_CODE),
        "change": new,
        "approval": approval,
        "changed": Message.objects.get(kind=MessageKind.EMAIL_CHANGED),
    }


def test_codes_and_links_reach_the_inbox_and_are_stored_nowhere(shopper, smtp_server, run_worker):
    sent = ask_for_all(shopper)
    sign_in, change, approval, changed = sent["sign_in"], sent["change"], sent["approval"], sent["changed"]
    # Read before the send job erases them: what the shopper must receive.
    code, link = held_secrets(sign_in)["code"], held_secrets(sign_in)["link"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    change_code, approval_code = held_secrets(change)["code"], held_secrets(approval)["code"]
    undo_link = held_secrets(changed)["undo_link"]
    undo_token = undo_link.rstrip("/").rsplit("/", 1)[1]
    assert len(code) == len(change_code) == len(approval_code) == 6 and len(token) >= 40 and len(undo_token) >= 20

    run_worker(queues=("notifications",), extra_env=smtp_env(smtp_server))

    # The real mail has them: subject, text and HTML.
    received = [email.message_from_bytes(envelope.content, policy=policy.default) for envelope in smtp_server.messages]
    assert len(received) == 4
    for secrets in ([code, link], [change_code], [approval_code], [undo_link]):
        mail = next(mail for mail in received if secrets[0] in mail.get_body(("html",)).get_content())
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert all(secret in text and secret in html for secret in secrets)
        if secrets[0] != undo_link:
            assert secrets[0] in mail["Subject"]
    for message in sent.values():
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT

    # Nowhere in the database: every text-like column of every table, json included.
    needles = {
        "sign-in code": code,
        "sign-in link token": token,
        "email-change code": change_code,
        "email-change approval code": approval_code,
        "undo token": undo_token,
    }
    assert database_hits(needles) == set()
    controls = database_hits({"email": "new@example.com", "json": "code_minutes", "mask": "••••••"})
    assert {
        ("notifications_message.recipient", "email"),
        ("notifications_message.context", "json"),
        ("notifications_message.subject", "mask"),
    } <= controls  # the search finds what is there
    # The sessions, decoded: none of them.
    sessions = decoded_sessions()
    assert any("_auth_user_id" in data for data in sessions)  # decoding works
    assert not [data for data in sessions if any(secret in data for secret in needles.values())]

    # Gone from Redis once sent: their keys, and anywhere else (the cached sessions: the test below).
    assert all(held_secrets(message) is None for message in sent.values())
    blobs = redis_blobs()
    assert any(b"_auth_user_id" in blob for blob in blobs)  # the scan reads values
    assert not [blob for blob in blobs if any(secret.encode() in blob for secret in needles.values())]


def test_the_sign_in_code_is_not_kept_in_the_session(shopper):
    """allauth's login by code kept it there (base64 JSON in django_session, and the cached copy)."""
    assert request_code(Client(), "sam@example.com").status_code == 302
    code = held_secrets(Message.objects.get(kind=MessageKind.SIGN_IN_CODE))["code"]
    sessions = decoded_sessions()
    assert sessions  # the rows, decoded
    assert not [data for data in sessions if code in data], "django_session holds the sign-in code"
    assert not [blob for blob in redis_blobs(sessions=True) if code.encode() in blob], "cached session holds it"


def test_a_code_whose_secrets_are_gone_fails_once_with_the_reason_and_is_not_retried(shopper, smtp_server, run_worker):
    assert request_code(Client(), "sam@example.com").status_code == 302
    message = Message.objects.get(kind=MessageKind.SIGN_IN_CODE)
    caches["default"].delete(secrets_key(message.pk))  # expired before its turn, or Redis was flushed

    run_worker(queues=("notifications",), extra_env=smtp_env(smtp_server))

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1 and message.sent_at is None
    assert message.last_error == str(SECRETS_GONE)
    assert "sam@example.com" not in [envelope.rcpt_tos[0] for envelope in smtp_server.messages]
    queue = django_rq.get_queue("notifications")
    job = Job.fetch(f"send-message-{message.pk}", connection=queue.connection)
    assert job.get_status() == "finished" and job.return_value() == MessageStatus.FAILED
    assert ScheduledJobRegistry(queue=queue).count == 0 and FailedJobRegistry(queue=queue).count == 0
    assert queue.count == 0  # no retry waiting
