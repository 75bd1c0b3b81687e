"""Signed checkpoints of the chain head. Everything `verify_chain` relies on lives in
the database, so whoever can write to it can rewrite the chain consistently or cut off
its newest events together with the head. A checkpoint is the head (sequence number
and hash) signed with an Ed25519 key kept outside the database; a copy kept elsewhere
(printed on protocols and orders, published, mailed to the archive) lets `audit verify
--checkpoint` prove that the chain up to it is the one that existed then."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.chain import canonical_json, chain_head, utc_timestamp
from reserve_flow.core.audit.models import AuditCheckpoint, AuditEvent
from reserve_flow.core.db import unit_of_work

_FIELDS = ("sequence", "hash", "created_at", "key_id")


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used; the message says why."""


def public_key_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.stem + ".pub.pem")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key(path: Path) -> Ed25519PublicKey:
    """A new signing key at `path` (readable by its owner only) and its public half
    beside it; refuses to overwrite a key, which would orphan every checkpoint."""
    if path.exists():
        raise CheckpointError(f"{path} already exists; a new key would not verify the old checkpoints")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = key.public_key()
    public_key_path(path).write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return public


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise CheckpointError(f"no signing key at {path}; create one with `reserve-flow audit keygen`") from None
    except ValueError as exc:
        raise CheckpointError(f"{path} is not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file, or the public half of a private key file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"no key file at {path}") from None
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except ValueError as exc:
            raise CheckpointError(f"{path} is not a PEM key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def _message(checkpoint: dict[str, Any]) -> bytes:
    return canonical_json({name: checkpoint[name] for name in _FIELDS}).encode("utf-8")


def create_checkpoint(session: Session, key: Ed25519PrivateKey, now: datetime) -> dict[str, Any]:
    """Sign the current head; the checkpoint is also recorded for the public head page."""
    with unit_of_work(session):
        head = chain_head(session)
        checkpoint: dict[str, Any] = {
            "sequence": head.seq,
            "hash": head.hash,
            "created_at": utc_timestamp(now),
            "key_id": key_id(key.public_key()),
        }
        checkpoint["signature"] = base64.b64encode(key.sign(_message(checkpoint))).decode("ascii")
        session.add(
            AuditCheckpoint(
                seq=head.seq,
                hash=head.hash,
                created_at=now.astimezone(UTC),
                key_id=checkpoint["key_id"],
                signature=checkpoint["signature"],
            )
        )
        return checkpoint


def read_checkpoint(path: Path) -> dict[str, Any]:
    try:
        checkpoint = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint file at {path}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is not a checkpoint (JSON): {exc}") from None
    missing = [name for name in (*_FIELDS, "signature") if not isinstance(checkpoint, dict) or name not in checkpoint]
    if missing:
        raise CheckpointError(f"{path} is not a checkpoint: missing {', '.join(missing)}")
    if not isinstance(checkpoint["sequence"], int) or checkpoint["sequence"] < 0:
        raise CheckpointError(f"{path}: sequence must be a whole number")
    return checkpoint


@dataclass(frozen=True)
class CheckpointCheck:
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_checkpoint(session: Session, checkpoint: dict[str, Any], public_key: Ed25519PublicKey) -> CheckpointCheck:
    """The signature is the key's, and the chain's event at the checkpoint's sequence
    number carries its hash. With verify_chain passing (every link from genesis), that
    proves no event up to the checkpoint was changed, removed or recomputed since."""
    if checkpoint["key_id"] != key_id(public_key):
        return CheckpointCheck(f"the checkpoint was signed by key {checkpoint['key_id']}, not by this key")
    try:
        public_key.verify(base64.b64decode(checkpoint["signature"], validate=True), _message(checkpoint))
    except (InvalidSignature, ValueError):
        return CheckpointCheck("the checkpoint's signature does not verify (the file was altered)")
    seq = checkpoint["sequence"]
    if seq == 0:
        return CheckpointCheck(None)
    found = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    if found is None:
        return CheckpointCheck(f"event #{seq} of the checkpoint is gone (newest events deleted?)")
    if found != checkpoint["hash"]:
        return CheckpointCheck(f"event #{seq} differs from the checkpoint (the chain was rewritten)")
    return CheckpointCheck(None)


def latest_checkpoints(session: Session, limit: int = 10) -> list[AuditCheckpoint]:
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(limit)))
