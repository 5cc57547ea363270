"""Ed25519 signatures for closures and archives (the `cryptography` library).

The key pair lives beside the database: `<db>.key` (private, owner-only) and `<db>.pub`.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def key_paths(db_path: str | Path) -> tuple[Path, Path]:
    """Where the private and public keys of a coop database are kept."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".key"), db_path.with_name(db_path.name + ".pub")


def ensure_keys(db_path: str | Path) -> Path:
    """Create the coop's signing key pair if missing; return the public key's path."""
    private_path, public_path = key_paths(db_path)
    if not private_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        fd = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:  # owner-only too, like every file beside the base
            out.write(public_pem(key.public_key()))
    return public_path


def public_pem(key: Ed25519PublicKey) -> bytes:
    """A public key as PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private(db_path: str | Path) -> Ed25519PrivateKey:
    """The coop's private key (created on first use)."""
    ensure_keys(db_path)
    data = key_paths(db_path)[0].read_bytes()
    return serialization.load_pem_private_key(data, password=None)


def sign(db_path: str | Path, data: bytes) -> str:
    """Sign bytes with the coop's key; the signature in base64."""
    return base64.b64encode(load_private(db_path).sign(data)).decode()


def verify(public_key_pem: bytes, data: bytes, signature: str) -> bool:
    """Whether a base64 signature of data matches the public key."""
    key = serialization.load_pem_public_key(public_key_pem)
    try:
        key.verify(base64.b64decode(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(public_key_pem: bytes) -> str:
    """A short fingerprint of a public key, to compare by eye (SHA-256, 16 hex digits)."""
    return hashlib.sha256(public_key_pem).hexdigest()[:16]
