"""Background posting of the case procedure's payments (SPEC §5.5 → §7).

The cases app writes a `PaymentRecord` in the payment's own transaction and enqueues
`post_pending_payments` after commit; the periodic sweep picks up anything a lost task or a
refusal left behind, so no payment stays unposted without `ledger verify` reporting it.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from bangfu.audit.actor import Actor

logger = logging.getLogger(__name__)


def post_all_pending() -> dict:
    """Post every unposted payment record, oldest first; one refusal does not stop the others."""
    from bangfu.cases.models import PaymentRecord

    from .services import FundsRefused, payment_post

    actor = Actor.system("funds.post_pending_payments")
    posted, refused = 0, {}
    for record in PaymentRecord.objects.filter(posted_at__isnull=True).order_by("id"):
        try:
            payment_post(payment_record=record, actor=actor)
            posted += 1
        except FundsRefused as e:
            refused[str(record.event_id)] = e.message
            logger.warning("payment %s not posted: %s", record.event_id, e.message)
    return {"posted": posted, "refused": refused}


@db_task()
def post_pending_payments() -> dict:
    return post_all_pending()


@db_periodic_task(crontab(minute="*/5"))
def sweep_pending_payments() -> dict:
    return post_all_pending()


def enqueue_posting(sender, record_id: int, **kwargs) -> None:
    """Receiver of `cases.signals.payment_recorded`: post soon, in the background.

    The payment has committed by now; if the queue is unreachable the sweep posts it later,
    so a failure here is logged, never raised into the cashier's request.
    """
    try:
        post_pending_payments()
    except Exception:  # the queue's own errors vary by backend (Redis, SQLite)
        logger.exception("could not enqueue the posting of payment record %s; the sweep will", record_id)
