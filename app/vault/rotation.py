"""Re-encrypt every sealed secret with the first data key (``rolefit data-key rotate``)."""

from __future__ import annotations

from sqlmodel import col, select

from app.db import Database
from app.models import HrUser, OrgSso, Webhook
from app.vault.box import reseal


def rotate(db: Database) -> int:
    """Every TOTP key, OIDC client secret and webhook signing key sealed again under the first key (plaintext
    ones sealed); how many values were rewritten. Afterwards the older keys can be removed from ``ROLEFIT_DATA_KEY``."""
    count = 0
    with db.write() as session:
        for user in session.exec(select(HrUser).where(col(HrUser.totp_key).is_not(None))):
            user.totp_key = reseal(user.totp_key or "")
            session.add(user)
            count += 1
        for row in session.exec(select(OrgSso).where(OrgSso.client_secret != "")):
            row.client_secret = reseal(row.client_secret)
            session.add(row)
            count += 1
        for hook in session.exec(select(Webhook).where(Webhook.signing_key != "")):
            hook.signing_key = reseal(hook.signing_key)
            session.add(hook)
            count += 1
    return count
