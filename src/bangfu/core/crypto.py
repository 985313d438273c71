"""Encryption at rest for ID numbers and bank accounts, and a keyed hash for exact look-up.

AES-256-GCM (the `cryptography` package) with a random nonce per value: the same ID
number encrypts differently every time, so the ciphertext reveals nothing. Exact
look-up (search by ID number, duplicate detection) uses HMAC-SHA256 under a key
derived separately from the same secret, so the hash is useless without the key.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

_PREFIX = "v1:"


@lru_cache(maxsize=1)
def _keys() -> tuple[AESGCM, bytes]:
    secret = settings.DATA_KEY.encode()
    enc_key = hashlib.sha256(b"bangfu-encrypt|" + secret).digest()
    mac_key = hashlib.sha256(b"bangfu-lookup|" + secret).digest()
    return AESGCM(enc_key), mac_key


def encrypt(plain: str) -> str:
    aes, _ = _keys()
    nonce = os.urandom(12)
    return _PREFIX + base64.b64encode(nonce + aes.encrypt(nonce, plain.encode(), None)).decode()


def decrypt(token: str) -> str:
    aes, _ = _keys()
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    raw = base64.b64decode(token[len(_PREFIX) :])
    try:
        return aes.decrypt(raw[:12], raw[12:], None).decode()
    except InvalidTag:
        raise ValueError("encrypted value does not match the data key") from None


def lookup_hash(plain: str) -> str:
    _, mac_key = _keys()
    return hmac.new(mac_key, plain.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Holds ciphertext in the database and plain text in Python."""

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)


def mask(value: str | None, head: int = 6, tail: int = 4) -> str:
    """310105********1234: enough to recognise, not enough to use."""
    if not value:
        return ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_account(value: str | None) -> str:
    return mask(value, head=4, tail=4)


def mask_account_grouped(value: str | None) -> str:
    """6222 **** **** 1234: the masked account in groups of four, as a card is read aloud."""
    masked = mask_account(value)
    if len(masked) <= 8:
        return masked
    middle = masked[4:-4]
    stars = " ".join(middle[i : i + 4] for i in range(0, len(middle), 4))
    return f"{masked[:4]} {stars} {masked[-4:]}"
