"""A real SMTP server on localhost (aiosmtpd) that keeps what it accepts."""

import email
import email.policy

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def attachments(self):
        """→ [(subject, filename, bytes)] of everything received."""
        found = []
        for message in self.messages:
            for part in message.iter_attachments():
                found.append(
                    (message["Subject"], part.get_filename(), part.get_payload(decode=True))
                )
        return found


def start_smtp(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox
