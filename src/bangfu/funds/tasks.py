"""The safety net for case payments left unposted (SPEC §5.5 → §7).

The case procedure posts each payment in the payment's own database transaction
(`cases.workflow._do_pay` → `services.payment_post`): a payment the fund cannot cover is
refused at the cashier's desk, so none is left unposted by the procedure. Records written
unposted by an earlier version (which posted in the background after the payment) or by an
import may still exist: the periodic sweep posts those the fund now covers, and `ledger
verify` reports every one still unposted after its grace.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from bangfu.audit.actor import Actor
from bangfu.core.refusal import Refused

logger = logging.getLogger(__name__)


def post_all_pending() -> dict:
    """Post every unposted payment record, oldest first; one refusal does not stop the others."""
    from bangfu.cases.models import PaymentRecord

    from .services import payment_post

    actor = Actor.system("funds.sweep_pending_payments")
    posted, refused = 0, {}
    for record in PaymentRecord.objects.filter(posted_at__isnull=True).order_by("id"):
        try:
            payment_post(payment_record=record, actor=actor)
            posted += 1
        except Refused as e:
            refused[str(record.event_id)] = e.message
            logger.warning("payment %s not posted: %s", record.event_id, e.message)
    return {"posted": posted, "refused": refused}


@db_periodic_task(crontab(minute="*/5"))
def sweep_pending_payments() -> dict:
    return post_all_pending()
