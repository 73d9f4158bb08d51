"""Signed checkpoints in the C2SP checkpoint / signed-note text format, with Ed25519.

A checkpoint body is

    <origin, the log's name>
    <tree size, decimal>
    <root hash, base64>
    timestamp <UTC time, RFC 3339>

and the signed note adds a blank line and one signature line per signer:
"— <key name> <base64(4-byte key hash || 64-byte signature)>", the key hash being the first four
bytes of SHA-256(key name || "\\n" || 0x01 || public key). Pure: no Flask, no database."""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ED25519 = b"\x01"
DASH = "\u2014"


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    timestamp: str

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\ntimestamp {self.timestamp}\n"


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    """The public key as a note verifier key: name+hash+base64(type || key)."""
    return f"{name}+{key_hash(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    try:
        name, hash_hex, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise CheckpointError(f"not a verifier key: {exc}") from None
    if raw[:1] != ED25519 or len(raw) != 33:
        raise CheckpointError("not an Ed25519 verifier key")
    if key_hash(name, raw[1:]).hex() != hash_hex:
        raise CheckpointError("verifier key hash does not match its key")
    return name, raw[1:]


def new_private_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def sign(checkpoint: Checkpoint, key_name: str, private: bytes) -> str:
    """The signed note: body, blank line, signature line."""
    key = Ed25519PrivateKey.from_private_bytes(private)
    body = checkpoint.body()
    signature = key.sign(body.encode())
    stamp = base64.b64encode(key_hash(key_name, public_bytes(key.public_key())) + signature).decode()
    return f"{body}\n{DASH} {key_name} {stamp}\n"


def parse(note: str) -> Checkpoint:
    """The checkpoint in a note's body (signatures not checked: see `verify`)."""
    body, _, _ = note.partition("\n\n")
    lines = body.split("\n")
    if len(lines) < 4:
        raise CheckpointError("a checkpoint needs an origin, a size, a root hash and a timestamp")
    origin, size_text, root_text, stamp = lines[:4]
    if not origin:
        raise CheckpointError("the checkpoint has no origin")
    if not size_text.isdigit():
        raise CheckpointError(f"tree size {size_text!r} is not a number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise CheckpointError("the root hash is not base64") from None
    if len(root) != 32:
        raise CheckpointError("the root hash is not 32 bytes")
    if not stamp.startswith("timestamp "):
        raise CheckpointError("the checkpoint has no timestamp line")
    return Checkpoint(origin, int(size_text), root, stamp.removeprefix("timestamp "))


def verify(note: str, verifier: str) -> Checkpoint:
    """The checkpoint, if the note carries a valid signature by this verifier key; else raises."""
    name, public = parse_verifier_key(verifier)
    body, sep, signatures = note.partition("\n\n")
    if not sep:
        raise CheckpointError("the note has no signature")
    body += "\n"
    wanted = key_hash(name, public)
    key = Ed25519PublicKey.from_public_bytes(public)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != name:
            continue
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if raw[:4] != wanted or len(raw) != 68:
            continue
        try:
            key.verify(raw[4:], body.encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature by {name} does not match the checkpoint") from None
        return parse(body)
    raise CheckpointError(f"the note is not signed by {name}")
