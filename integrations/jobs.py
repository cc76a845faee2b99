"""RQ entry points of integrations: thin, safe to run twice."""

from integrations import services


def deliver_webhook(delivery_id: int) -> str:
    return services.deliver(delivery_id=delivery_id)


def dispatch_webhooks() -> dict:
    """Every minute (run_cron): deliveries for events the listener missed, jobs for lost deliveries, and
    Idempotency-Key answers older than a day."""
    return {
        "events": services.dispatch_timeline(),
        "requeued": services.requeue_stale_deliveries(),
        "idempotency_keys_forgotten": services.forget_old_idempotency_keys(),
    }
