"""The periodic background sync on a real task queue: Django's tasks API run by huey.

A huey periodic task (every SYNC_INTERVAL_MINUTES) queues one background sync per environment,
each a django.tasks task; huey workers run them. The database keeps one queued and one running
background run per environment, so syncs of one environment never overlap. Sign-in, admin add
and refresh stay synchronous (users_app.provisioning.sync)."""
from django.conf import settings
from django.db import transaction
from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from environments_app.models import Environment
from users_app.list_search import search_index_refresh
from users_app.provisioning import sync


@task()
def environment_sync_task(run_id: int) -> dict:
    """SYNC-01 for one environment: runs its queued run."""
    run = sync.environment_sync_queued(run_id=run_id)
    if run.changed_anything:
        search_index_refresh()  # the lists' trigram index, in bulk, after the run's transaction
    return {"environment": run.environment.name, "status": run.status, **run.counts()}


def background_syncs_enqueue() -> list[int]:
    """Queue a background sync of every environment; each becomes one task when the queueing commits."""
    queued = []
    for environment in Environment.objects.order_by("name"):
        run = sync.environment_sync_queue(environment=environment)
        if run is not None:
            queued.append(run.pk)
            transaction.on_commit(lambda run_id=run.pk: environment_sync_task.enqueue(run_id))
    return queued


@db_periodic_task(crontab(minute=f"*/{settings.SYNC_INTERVAL_MINUTES}"))
def periodic_background_sync():
    return background_syncs_enqueue()
