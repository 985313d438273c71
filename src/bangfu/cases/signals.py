"""What the case procedure tells the rest of the platform.

`payment_recorded` is sent after the payment's transaction has committed, with the id of its
`PaymentRecord`; the funds app listens and posts it to the ledger. The record itself is the
hand-over, so a lost signal loses nothing: the periodic sweep and `ledger verify` find it.
"""

from django.dispatch import Signal

payment_recorded = Signal()  # kwargs: record_id
