"""Shop secret keys, encrypted at rest with Fernet under versioned master keys.

GESTION_ENCRYPTION_KEYS lists "id:fernet-key" entries, the first being the one new secrets are
encrypted with; older ones still decrypt, so a master key rotates by putting a new one first and
running `manage.py reencrypt_secrets`. In DEBUG with no key set, a development key is derived from
SECRET_KEY (settings refuse to start without real keys in production).
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _master_keys() -> list[tuple[str, Fernet]]:
    entries = list(settings.ENCRYPTION_KEYS)
    if not entries:
        derived = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
        entries = [f"dev:{derived.decode()}"]
    keys = []
    for entry in entries:
        key_id, sep, key = entry.partition(":")
        if not sep or not key_id:
            raise ImproperlyConfigured("GESTION_ENCRYPTION_KEYS entries are 'id:fernet-key'.")
        keys.append((key_id, Fernet(key.encode())))
    return keys


def generate_secret() -> str:
    """A new shop secret: 32 random bytes, URL-safe base64 (what the payment server installs)."""
    return secrets.token_urlsafe(32)


def encrypt(plaintext: str) -> tuple[str, str]:
    """→ (ciphertext, id of the master key used)."""
    key_id, fernet = _master_keys()[0]
    return fernet.encrypt(plaintext.encode()).decode(), key_id


def decrypt(ciphertext: str) -> str:
    try:
        return MultiFernet([f for _, f in _master_keys()]).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A shop secret cannot be decrypted with GESTION_ENCRYPTION_KEYS (a key was removed?)."
        ) from None


def current_key_id() -> str:
    return _master_keys()[0][0]
