"""Periodic jobs, run by `manage.py run_cron config.cron` (the `cron` process in the Procfile; core.cron_runner)."""

from rq import cron

from accounts.jobs import prune_staff_sign_in_attempts
from editing.jobs import sweep
from integrations.jobs import dispatch_webhooks
from notifications.jobs import purge_secret_messages, sweep_outbox
from orders.jobs import release_expired_holds

cron.register(release_expired_holds, "default", interval=60, name="release-expired-holds")
cron.register(sweep_outbox, "notifications", interval=60, name="sweep-outbox")
cron.register(sweep, "default", interval=60, name="sweep")
cron.register(dispatch_webhooks, "default", interval=60, name="dispatch-webhooks")
cron.register(purge_secret_messages, "notifications", interval=3600, name="purge-secret-messages")
cron.register(prune_staff_sign_in_attempts, "default", interval=3600, name="prune-staff-sign-in-attempts")
