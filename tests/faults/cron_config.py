"""The fault tests' cron config: one job every second, so a test sees the cron runner enqueue within seconds."""

from rq import cron

from tests.faults.jobs import mark

cron.register(mark, "default", args=("cron-ran",), interval=1, name="fault-test-mark")
