"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it accepted."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import Counter
from collections.abc import Callable

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler. `before_accept(n)` is called with the number of the message
    being received, before the server answers 250; a message counts as delivered only
    once that answer is given (RFC 5321: the server takes responsibility then)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
        self.received = 0
        self.before_accept: Callable[[int], bool] | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.received += 1
            number = self.received
        if self.before_accept is not None and not self.before_accept(number):
            return "451 4.3.0 Not accepted"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 2.0.0 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.received = 0
            self.before_accept = None

    def recipients(self) -> Counter:
        with self.lock:
            return Counter(str(m["To"]) for m in self.messages)


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
