#!/usr/bin/env python3
"""A local mail sink: an SMTP server (PyPI's aiosmtpd) that keeps what it is sent instead
of delivering it, so that a reset link can be clicked without a real mail server.

    .state/venv/bin/python scripts/mail_sink.py --port 2525 --dir .state/mail

`./scripts/run` starts it and points SMTP_URL at it (plain text, loopback only). Each
message is written to the folder as an .eml file and announced on standard output with its
recipient, its subject and the links in its text. The tests use `MailSink` in-process,
with STARTTLS or TLS and AUTH when they ask."""

from __future__ import annotations

import argparse
import email
import email.policy
import re
import socket
import ssl
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LINK = re.compile(r"https?://\S+")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage
    login: str | None
    secure: bool

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, kind: str) -> str:
        """The body of type `text/plain` or `text/html`, decoded."""
        for part in self.message.walk():
            if part.get_content_type() == kind:
                return part.get_content()
        return ""

    def links(self) -> list[str]:
        return LINK.findall(self.part("text/plain"))


@dataclass
class MailSink:
    """An aiosmtpd server on 127.0.0.1 keeping what it receives. `tls`: a server context,
    offered with STARTTLS (required when `require_tls`), or from the first byte when
    `implicit`; `users`: logins it accepts (then AUTH is required)."""
    port: int
    tls: ssl.SSLContext | None = None
    implicit: bool = False
    require_tls: bool = False
    users: dict[str, str] | None = None
    folder: Path | None = None
    announce: bool = False
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        login = session.auth_data if isinstance(session.auth_data, str) else None
        # Whether the bytes came over TLS, as the connection itself says (STARTTLS or not).
        secure = server.transport.get_extra_info("ssl_object") is not None
        entry = Received(envelope.mail_from, list(envelope.rcpt_tos), message, login, secure)
        with self._lock:
            self.received.append(entry)
            self._lock.notify_all()
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{len(self.received):04d}.eml"
            (self.folder / name).write_bytes(envelope.original_content)
        if self.announce:
            print(f"mail to {', '.join(entry.recipients)}: {entry.subject}", flush=True)
            for link in entry.links():
                print(f"  {link}", flush=True)
        return "250 kept"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

    def start(self) -> "MailSink":
        options = {}
        if self.tls and not self.implicit:
            options.update(tls_context=self.tls, require_starttls=self.require_tls)
        if self.users is not None:
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            # With TLS from the first byte aiosmtpd does not know the session is secure: it is.
            options.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=self.tls is not None and not self.implicit)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, ssl_context=self.tls if self.implicit else None,
                                      server_hostname="127.0.0.1", ready_timeout=10, **options)
        if self.implicit:
            # The controller checks it is up by connecting with its own (server) context; a
            # client's, trusting anything, does it here.
            self._controller._trigger_server = self._trigger_tls
        self._controller.start()
        return self

    def _trigger_tls(self) -> None:
        client = ssl.create_default_context()
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.port), 1.0) as raw, client.wrap_socket(raw) as connection:
            connection.recv(1024)

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()

    def wait(self, count: int = 1, timeout: float = 15) -> list[Received]:
        """Returns once `count` messages are in."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.received) >= count, timeout):
                raise TimeoutError(f"{len(self.received)} of {count} messages arrived")
            return list(self.received)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", type=Path, default=Path(".state/mail"))
    arguments = parser.parse_args()
    sink = MailSink(arguments.port, folder=arguments.dir, announce=True).start()
    print(f"mail sink on 127.0.0.1:{arguments.port}, keeping mail in {arguments.dir}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
