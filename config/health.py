"""/healthz: database, Redis (through the cache) and at least one live RQ worker."""

import dataclasses

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from rq import Worker

from core.queues import get_queue


@dataclasses.dataclass
class RQWorkers(HealthCheck):
    """Jobs settle money and send mail: a deploy with no worker is not healthy."""

    queue: str = "default"

    def run(self):
        queue = get_queue(self.queue)
        if not Worker.all(queue=queue):
            raise ServiceUnavailable(f"no RQ worker listens on '{self.queue}'")


health_view = HealthCheckView.as_view(checks=["health_check.checks.Database", "health_check.checks.Cache", RQWorkers])
