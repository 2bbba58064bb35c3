"""Mail backends that stand in for an SMTP server: one refuses chosen addresses, one stops the
run, one makes two runs meet."""

import threading
from smtplib import SMTPRecipientsRefused

from django.core.mail.backends import locmem

REFUSED: set[str] = set()


class RefusingBackend(locmem.EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            refused = {to: (550, b"mailbox unavailable") for to in message.to if to in REFUSED}
            if refused:
                raise SMTPRecipientsRefused(refused)
        return super().send_messages(messages)


class StoppingBackend(locmem.EmailBackend):
    """Stops the whole run at a chosen address, as a worker told to exit mid-send would."""

    STOP_AT: set[str] = set()

    def send_messages(self, messages):
        if any(to in self.STOP_AT for message in messages for to in message.to):
            raise SystemExit("stopped")
        return super().send_messages(messages)


class MeetingBackend(locmem.EmailBackend):
    """Holds each run at its first message until another run reaches its own first message,
    so two senders are sure to be claiming and sending at the same time."""

    meeting: threading.Barrier | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.met = False

    def send_messages(self, messages):
        if self.meeting and not self.met:
            self.met = True
            self.meeting.wait(timeout=30)
        return super().send_messages(messages)
