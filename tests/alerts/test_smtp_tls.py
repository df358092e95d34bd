"""E-mail over TLS with a real aiosmtpd server and a certificate made by the test: STARTTLS and
implicit TLS verify the certificate (trusted through ``ca_file``), AUTH LOGIN and PLAIN log in,
and the password shows up nowhere (logs, stored errors)."""

from __future__ import annotations

import base64
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alerts.channels import build_channels
from alerts.smtp import EmailChannel
from core.errors import AlertDeliveryError
from core.records import AlertMessage, StoryArticle
from core.settings import AlertSettings, SmtpSettings
from core.watchlist import EmailChannelSpec
from pipeline.alerting import deliver_due_alerts
from storage.models import Alert
from tests.alerts.conftest import NOW, Inbox, free_port, seed_alerts

USER, PASSWORD = "desk-bot", "s3cret-Smtp-Pa55word"


@dataclass
class Certificates:
    ca_file: Path  # the authority the client is told to trust
    server: ssl.SSLContext  # the server's context, with a certificate that authority signed


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sign(subject: x509.Name, key: Any, issuer: x509.Name, issuer_key: Any, *, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True).add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    else:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway authority and a server certificate for 127.0.0.1 and localhost, signed by it."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = _sign(_name("newswatch test CA"), ca_key, _name("newswatch test CA"), ca_key, ca=True)
    server_cert = _sign(_name("127.0.0.1"), server_key, ca_cert.subject, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (folder / "server.pem").write_bytes(server_cert.public_bytes(pem))
    (folder / "server.key").write_bytes(
        server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "server.pem", folder / "server.key")
    return Certificates(folder / "ca.pem", server)


@dataclass
class Logins:
    """What the server's authenticator saw: (mechanism, user, password) per attempt."""

    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        self.seen.append((mechanism, user, password))
        return AuthResult(success=(user, password) == (USER, PASSWORD), handled=False)  # 535 when wrong


@dataclass
class TlsServer:
    inbox: Inbox
    logins: Logins
    port: int


def _server(
    certificates: Certificates, *, implicit: bool, exclude: tuple[str, ...] = ()
) -> Iterator[TlsServer]:
    inbox, logins, port = Inbox(), Logins(), free_port()
    tls: dict[str, Any] = (
        # aiosmtpd only counts STARTTLS as TLS when deciding to offer AUTH; this socket is TLS throughout
        {"ssl_context": certificates.server, "auth_require_tls": False}
        if implicit
        else {"tls_context": certificates.server, "require_starttls": True}
    )
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        authenticator=logins,
        auth_exclude_mechanism=list(exclude),
        **tls,
    )
    controller.start()
    yield TlsServer(inbox, logins, port)
    controller.stop()


@pytest.fixture
def starttls_server(certificates: Certificates, request: pytest.FixtureRequest) -> Iterator[TlsServer]:
    yield from _server(certificates, implicit=False, exclude=getattr(request, "param", ()))


@pytest.fixture
def ssl_server(certificates: Certificates) -> Iterator[TlsServer]:
    yield from _server(certificates, implicit=True)


@pytest.fixture
def plain_server() -> Iterator[TlsServer]:
    """No TLS on offer at all (a server, or a man in the middle, that strips STARTTLS)."""
    inbox, logins, port = Inbox(), Logins(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=logins, auth_require_tls=False
    )
    controller.start()
    yield TlsServer(inbox, logins, port)
    controller.stop()


def _smtp(port: int, security: str, **extra: Any) -> SmtpSettings:
    values: dict[str, Any] = {"sender": "alerts@newswatch.example", "timeout_s": 5, **extra}
    return SmtpSettings(host="127.0.0.1", port=port, security=security, **values)


def _message() -> AlertMessage:
    report = StoryArticle("Truce holds", "https://news.example/1", "Wire", NOW, first_seen=NOW)
    return AlertMessage(7, "Lebanon ceasefire", "mail", "story", 1, "Truce holds", ("truce",), (report,))


def _channel(settings: SmtpSettings) -> EmailChannel:
    return EmailChannel("mail", EmailChannelSpec(to=("desk@example.org",)), settings)


def _encodings(secret: str) -> list[str]:
    """The password as it may travel: itself, AUTH LOGIN's base64 and AUTH PLAIN's base64."""
    plain = base64.b64encode(f"\0{USER}\0{secret}".encode()).decode()
    return [secret, base64.b64encode(secret.encode()).decode(), plain]


@pytest.mark.parametrize(
    ("starttls_server", "mechanism"),
    [(("LOGIN",), "PLAIN"), (("PLAIN",), "LOGIN")],
    indirect=["starttls_server"],
)
def test_starttls_verifies_the_certificate_and_logs_in(
    starttls_server: TlsServer, certificates: Certificates, mechanism: str
) -> None:
    settings = _smtp(
        starttls_server.port, "starttls", ca_file=certificates.ca_file, username=USER, password=PASSWORD
    )
    reference = _channel(settings).send(_message())
    assert reference == "<newswatch.alert.7@newswatch.example>"
    assert starttls_server.logins.seen == [(mechanism, USER, PASSWORD)]
    [(recipients, raw)] = starttls_server.inbox.messages
    assert recipients == ["desk@example.org"] and b"Truce holds" in raw


def test_implicit_tls_verifies_the_certificate_and_logs_in(
    ssl_server: TlsServer, certificates: Certificates
) -> None:
    settings = _smtp(ssl_server.port, "ssl", ca_file=certificates.ca_file, username=USER, password=PASSWORD)
    _channel(settings).send(_message())
    assert [(user, password) for _, user, password in ssl_server.logins.seen] == [(USER, PASSWORD)]
    assert len(ssl_server.inbox.messages) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(
    security: str, certificates: Certificates, request: pytest.FixtureRequest
) -> None:
    server: TlsServer = request.getfixturevalue("ssl_server" if security == "ssl" else "starttls_server")
    settings = _smtp(server.port, security, username=USER, password=PASSWORD)  # system CAs only
    with pytest.raises(AlertDeliveryError) as caught:
        _channel(settings).send(_message())
    assert caught.value.reason == "smtp_tls" and caught.value.transient and not caught.value.ambiguous
    assert "certificate not trusted" in str(caught.value)
    assert server.logins.seen == [] and server.inbox.messages == []


def test_a_server_without_starttls_gets_nothing_not_even_the_password(plain_server: TlsServer) -> None:
    settings = _smtp(plain_server.port, "starttls", username=USER, password=PASSWORD)
    with pytest.raises(AlertDeliveryError) as caught:
        _channel(settings).send(_message())
    assert caught.value.reason == "smtp_tls" and "does not offer STARTTLS" in str(caught.value)
    assert plain_server.logins.seen == [] and plain_server.inbox.messages == []


def _own_public_address() -> str:
    """This machine's address on its default route (not loopback); skips when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP: picks the route, sends nothing
        except OSError as exc:
            pytest.skip(f"no network interface besides loopback: {exc}")
        address = str(probe.getsockname()[0])
    if ipaddress.ip_address(address).is_loopback:
        pytest.skip("no network interface besides loopback")
    return address


def test_a_clear_text_login_is_refused_except_to_this_machine(plain_server: TlsServer) -> None:
    address = _own_public_address()
    inbox, logins, port = Inbox(), Logins(), free_port()
    remote = Controller(inbox, hostname=address, port=port, authenticator=logins, auth_require_tls=False)
    remote.start()
    try:
        settings = SmtpSettings(host=address, port=port, username=USER, password=PASSWORD, timeout_s=5)
        with pytest.raises(AlertDeliveryError) as caught:
            _channel(settings).send(_message())
    finally:
        remote.stop()
    assert caught.value.reason == "smtp_plaintext_login" and not caught.value.transient
    assert logins.seen == [] and inbox.messages == []
    local = _smtp(plain_server.port, "plain", username=USER, password=PASSWORD)
    _channel(local).send(_message())  # a relay on this machine may take a login in clear text
    assert [user for _, user, _ in plain_server.logins.seen] == [USER]


def test_a_wrong_password_is_dead_and_never_logged_or_stored(
    engine: Engine, starttls_server: TlsServer, certificates: Certificates, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-Smtp-Pa55word"
    [alert_id] = seed_alerts(engine, stories=1, channels=("mail",))
    settings = _smtp(
        starttls_server.port, "starttls", ca_file=certificates.ca_file, username=USER, password=wrong
    )
    channels = build_channels({"mail": EmailChannelSpec(to=("desk@example.org",))}, smtp=settings)
    with caplog.at_level(logging.DEBUG):
        report = deliver_due_alerts(engine, channels, AlertSettings(), clock=lambda: NOW)
    assert report.dead == 1 and starttls_server.logins.seen[0][2] == wrong  # it really was sent, over TLS
    with Session(engine) as session:
        alert = session.get_one(Alert, alert_id)
        stored = " ".join(str(value) for value in session.exec(select(Alert)).one().model_dump().values())
    assert (
        alert.status == "dead"
        and "smtp_auth" in (alert.last_error or "")
        and "535" in (alert.last_error or "")
    )
    logged = caplog.text + " ".join(r.getMessage() for r in caplog.records)
    assert "SMTP login refused" in logged
    for secret in _encodings(wrong):
        assert secret not in logged and secret not in stored
