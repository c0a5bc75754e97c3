"""`regulars worker`: the database task worker plus the periodic scheduler, no auto-reload."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker

from regulars.jobs import scheduler
from regulars.jobs.services import jobs_reap

logger = logging.getLogger("regulars.worker")


def _scheduler_loop(stop: threading.Event, every_seconds: float) -> None:
    while not stop.is_set():
        close_old_connections()
        try:
            scheduler.tick()
        except Exception:
            logger.exception("Scheduler tick failed")
        finally:
            connection.close()
        stop.wait(every_seconds)


class Command(BaseCommand):
    help = "Run background jobs and the periodic scheduler (reaper, cleanups, daily work)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls for new tasks."
        )
        parser.add_argument("--queue-name", default="default")
        parser.add_argument(
            "--tick", type=float, default=15.0, help="Seconds between scheduler ticks."
        )
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        # A restarted worker first rescues the jobs its predecessor left running.
        reaped = jobs_reap()
        if reaped["requeued"] or reaped["failed"]:
            self.stdout.write(f"Recovered jobs: {reaped}")
        stop = threading.Event()
        thread = threading.Thread(
            target=_scheduler_loop,
            args=(stop, options["tick"]),
            daemon=True,
            name="regulars-scheduler",
        )
        thread.start()
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=options["worker_id"] or f"regulars-{threading.get_native_id()}",
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write("Worker started; Ctrl+C stops it after the current task.")
        self.stdout.flush()
        try:
            worker.run()
        finally:
            stop.set()
