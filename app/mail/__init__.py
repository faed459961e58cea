"""Outgoing mail: messages built from translated templates, and SMTP delivery.

- :func:`build` renders ``templates/mail/<name>.txt`` and ``.html`` in the reader's language into an
  :class:`Outgoing` (plain data: it can sit in a job's payload).
- :func:`deliver` sends one over SMTP with a commit point: the caller's ``commit()`` runs after the server
  has the whole message but before the final ``.`` that makes the server accept it. A crash before the
  commit leaves no mail (the server drops a transaction without its final dot) and the job runs again; a
  commit that finds the job taken over closes the connection instead of finishing. See docs/deploy.md.
- :func:`job_handler` is the ``mail.send`` job kind (app/jobs).
"""

from app.mail.message import Outgoing, build, new_message_id, to_email
from app.mail.smtp import (
    DeliveryError,
    MailNotConfigured,
    SmtpConfig,
    Superseded,
    deliver,
    delivery_failed_permanently,
    job_handler,
    send_with_job,
)

__all__ = [
    "DeliveryError",
    "MailNotConfigured",
    "Outgoing",
    "SmtpConfig",
    "Superseded",
    "build",
    "deliver",
    "delivery_failed_permanently",
    "job_handler",
    "new_message_id",
    "send_with_job",
    "to_email",
]
