"""The nightly run: ingest whatever was dropped into the inbox folder.

`sohoa schedule` serves this flow as a Prefect deployment with a cron schedule (default 01:00,
Asia/Ho_Chi_Minh) against a Prefect server; `prefect.yaml` describes the same deployment for workers
on other machines (`prefect deploy`, `prefect worker start --pool sohoa`).
"""

from __future__ import annotations

from prefect import flow

from config.settings import get_settings
from flows.ingest import run_ingest

DEPLOYMENT_NAME = "sohoa-nightly"


@flow(name="nightly-ingest")
def nightly_ingest(inbox: str | None = None) -> dict:
    """Ingest the inbox. Files already stored are skipped, so a night that overruns loses nothing."""
    settings = get_settings()
    folder = inbox or str(settings.inbox_dir)
    return run_ingest([folder], None, settings).to_dict()


def schedule_of(cron: str, timezone: str):
    from prefect.schedules import Cron

    return Cron(cron, timezone=timezone)


def serve_nightly(cron: str, timezone: str, inbox: str | None = None) -> None:
    """Register the deployment with its schedule and run the scheduled flows (blocks until stopped)."""
    nightly_ingest.serve(
        name=DEPLOYMENT_NAME, schedules=[schedule_of(cron, timezone)],
        parameters={"inbox": inbox} if inbox else {},
        description="Ingest the Sohoa inbox every night",
    )
