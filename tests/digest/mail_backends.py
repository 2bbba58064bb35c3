"""A mail backend that refuses chosen addresses, like an SMTP server rejecting a recipient."""

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
