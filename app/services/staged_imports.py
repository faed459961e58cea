"""A previewed people file kept on the server until HR confirms it: the confirmation posts a short,
unguessable id instead of the file again (no second upload, no base64 growth near the 8 MiB limit). What is
kept is the file's checked rows (app.services.people.pack), so the confirmation does not read the file again.

Only the id's hash is stored; the row belongs to the HR user who previewed it, in their organisation, and
expires after :data:`KEEP` (expired rows are deleted whenever a new file is staged). Confirming deletes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, delete

from app.db import Database
from app.models import StagedImport
from app.tokens import hash_token, new_token

KEEP = timedelta(hours=1)


def stage(db: Database, org_id: str, user_id: str, data: bytes, filename: str, now: datetime) -> str:
    """Keep ``data`` for the confirmation; returns its id (shown once, in the preview's form)."""
    token = new_token()
    with db.write() as session:
        session.execute(delete(StagedImport).where(col(StagedImport.expires_at) < now))
        session.add(
            StagedImport(
                id_hash=hash_token(token),
                org_id=org_id,
                user_id=user_id,
                filename=filename[:200],
                data=data,
                expires_at=now + KEEP,
            )
        )
    return token


def take(db: Database, org_id: str, user_id: str, token: str, now: datetime) -> tuple[bytes, str] | None:
    """The staged file and its name, if ``token`` is this user's and has not expired (None otherwise)."""
    if not token or len(token) > 100:
        return None
    with db.read() as session:
        staged = session.get(StagedImport, hash_token(token))
    if staged is None or staged.org_id != org_id or staged.user_id != user_id or staged.expires_at <= now:
        return None
    return bytes(staged.data), staged.filename


def discard(db: Database, token: str) -> None:
    with db.write() as session:
        session.execute(delete(StagedImport).where(col(StagedImport.id_hash) == hash_token(token)))
