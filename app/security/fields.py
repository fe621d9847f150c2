"""Encryption at rest for mobile and ID numbers, keyed hashes for exact lookup, and masking.

The keys come from config (FIELD_ENCRYPTION_KEY, FIELD_HASH_KEY) and are installed once by
create_app. AES-GCM with a random nonce: the same number encrypts differently each time, so
lookups go through the HMAC column, never the ciphertext.
"""

from __future__ import annotations

import base64
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12
_VERSION = b"\x01"


class FieldCipher:
    def __init__(self, encryption_key: str, hash_key: str):
        key = base64.urlsafe_b64decode(encryption_key)
        if len(key) != 32:
            raise ValueError("FIELD_ENCRYPTION_KEY must be 32 bytes, urlsafe-base64 encoded")
        self._aead = AESGCM(key)
        self._hash_key = hash_key.encode()

    def encrypt(self, plaintext: str | None) -> bytes | None:
        if plaintext is None:
            return None
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), None)

    def decrypt(self, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        blob = bytes(blob)
        if blob[:1] != _VERSION:
            raise ValueError("unknown field-encryption version")
        nonce, ciphertext = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, ciphertext, None).decode()

    def digest(self, value: str | None) -> bytes | None:
        """Keyed hash of a normalised value: equal numbers give equal digests, nothing else leaks."""
        if value is None:
            return None
        return hmac.digest(self._hash_key, normalise(value).encode(), "sha256")


def normalise(value: str) -> str:
    return value.strip().upper().replace(" ", "")


_cipher: FieldCipher | None = None


def install(encryption_key: str, hash_key: str) -> None:
    global _cipher
    _cipher = FieldCipher(encryption_key, hash_key)


def cipher() -> FieldCipher:
    if _cipher is None:
        raise RuntimeError("field cipher not installed: create the app first")
    return _cipher


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def mask_mobile(mobile: str | None) -> str | None:
    if not mobile:
        return mobile
    if len(mobile) < 7:
        return "*" * len(mobile)
    return mobile[:3] + "****" + mobile[-4:]


def mask_id_number(id_number: str | None) -> str | None:
    if not id_number:
        return id_number
    if len(id_number) <= 8:
        return id_number[:1] + "*" * (len(id_number) - 1)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str | None) -> str | None:
    if not name or len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
