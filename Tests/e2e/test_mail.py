"""The SMTP client against a real third-party server (PyPI's aiosmtpd): STARTTLS and TLS
from the first byte, AUTH, certificates checked, and the refusals an operator must be
told about clearly. `messages send-test-mail` sends one message straight away."""

import os
import ssl
import subprocess
from pathlib import Path

import pytest

import stack as stack_module
from mail_sink import MailSink

ADDRESS = "ada@example.com"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    """A CA of the test's own and a certificate it signed for 127.0.0.1."""
    folder = tmp_path_factory.mktemp("smtp-tls")

    def openssl(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=chat test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
            "-extfile", "san.ext")
    # A second CA, which the client is not told to trust.
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1")
    return folder


def server_context(folder: Path, certificate: str = "server.pem", key: str = "server.key") -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / certificate, folder / key)
    return context


def send_test_mail(stack, url: str, ca: Path | None = None) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "SMTP_URL": url, "MAIL_FROM": "Chat Test <no-reply@chat.test>", "SMTP_TIMEOUT": "10"}
    if ca:
        environment["SMTP_CA_FILE"] = str(ca)
    return subprocess.run([str(stack.bin_dir / "messages"), "send-test-mail", ADDRESS], env=environment, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def sink_port() -> int:
    return stack_module.free_port()


def test_starttls_and_auth_hand_a_message_over_to_a_real_server(stack, certificates, sink_port):
    sink = MailSink(sink_port, tls=server_context(certificates), require_tls=True, users={"mailer": "s3cret"}).start()
    try:
        sent = send_test_mail(stack, f"smtp://mailer:s3cret@127.0.0.1:{sink_port}", certificates / "ca.pem")
        assert sent.returncode == 0, sent.stderr
        (mail,) = sink.wait(1)
        assert mail.login == "mailer" and mail.secure, "authenticated, over TLS"
        assert mail.sender == "no-reply@chat.test" and mail.recipients == [ADDRESS]
        assert mail.subject == "A test from Chat" and str(mail.message["From"]) == "Chat Test <no-reply@chat.test>"
        assert "reaches this address" in mail.part("text/plain") and "<p" in mail.part("text/html")
        assert mail.message["Message-ID"] and mail.message["Date"]
    finally:
        sink.stop()


def test_tls_from_the_first_byte(stack, certificates, sink_port):
    sink = MailSink(sink_port, tls=server_context(certificates), implicit=True, users={"mailer": "s3cret"}).start()
    try:
        sent = send_test_mail(stack, f"smtps://mailer:s3cret@127.0.0.1:{sink_port}", certificates / "ca.pem")
        assert sent.returncode == 0, sent.stderr
        assert sink.wait(1)[0].secure
    finally:
        sink.stop()


def test_what_goes_wrong_is_said_and_nothing_is_sent_in_the_clear(stack, certificates, sink_port):
    # Wrong credentials: refused at AUTH.
    sink = MailSink(sink_port, tls=server_context(certificates), require_tls=True, users={"mailer": "s3cret"}).start()
    try:
        wrong = send_test_mail(stack, f"smtp://mailer:guess@127.0.0.1:{sink_port}", certificates / "ca.pem")
        assert wrong.returncode == 1 and "refused at auth: 535" in wrong.stderr, wrong.stderr
        # A certificate nobody vouches for: no handshake, no credentials sent.
        untrusted = send_test_mail(stack, f"smtp://mailer:s3cret@127.0.0.1:{sink_port}", certificates / "other.pem")
        assert untrusted.returncode == 1 and "certificate" in untrusted.stderr.lower(), untrusted.stderr
        assert sink.received == []
    finally:
        sink.stop()
    # A server that offers no STARTTLS: the client will not go on in plain text.
    plain = MailSink(sink_port).start()
    try:
        refused = send_test_mail(stack, f"smtp://mailer:s3cret@127.0.0.1:{sink_port}")
        assert refused.returncode == 1 and "does not offer STARTTLS" in refused.stderr, refused.stderr
        assert plain.received == []
        # Unless told to, for a local sink: what ./scripts/run does.
        local = send_test_mail(stack, f"smtp://127.0.0.1:{sink_port}?tls=none")
        assert local.returncode == 0, local.stderr
        assert not plain.wait(1)[0].secure
    finally:
        plain.stop()
    # Nobody listening.
    gone = send_test_mail(stack, f"smtp://127.0.0.1:{sink_port}?tls=none")
    assert gone.returncode == 1 and "could not reach" in gone.stderr, gone.stderr
    unset = subprocess.run([str(stack.bin_dir / "messages"), "send-test-mail", ADDRESS], env={"PATH": os.environ["PATH"]}, capture_output=True,
                           text=True, timeout=30)
    assert unset.returncode == 1 and "SMTP_URL is not set" in unset.stderr
