"""``manage.py run_cron [CONFIG]``: the periodic jobs, reconnecting when Redis goes away (core.cron_runner)."""

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.cron_runner import CronRunner


class Command(BaseCommand):
    help = "Run the periodic jobs registered in a cron config module (config.cron), surviving Redis restarts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("config", nargs="?", default="config.cron", help="module that registers the jobs")
        parser.add_argument("--logging-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    def handle(self, *args, **options) -> None:
        runner = CronRunner(logging_level=getattr(logging, options["logging_level"]))
        runner.load_config_from_file(options["config"])
        if not runner.get_jobs():
            raise CommandError(f"{options['config']} registers no jobs")
        runner.start()
