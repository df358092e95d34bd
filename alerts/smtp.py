"""E-mail over SMTP (plain, STARTTLS or implicit TLS; optional login): multipart text and HTML.

Headers cannot be injected: configured addresses and prefixes with CR, LF or NUL are refused,
and article text in the Subject is folded to one line and RFC 2047-encoded by the e-mail
package. Every piece of article text is HTML-escaped. The ``Message-ID`` is derived from the
alert, so a retried alert carries the same id and mail clients fold the repeat.

The SMTP dialogue is driven step by step so each failure lands in the right bin: refused or
timed out before DATA is *not sent*; a drop or timeout after the message was transmitted is
*ambiguous*; each recipient's own 4xx or 5xx is kept per recipient (``sendmail`` would hide
them behind one success: repoze/repoze.sendmail#48).

TLS always verifies the server's certificate (against the system's authorities, or the
``ca_file`` of the settings); a server that offers no STARTTLS when it was asked for gets
nothing, and a password is never sent in clear text except to this machine.
"""

from __future__ import annotations

import html
import ipaddress
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate

from alerts.render import (
    MAX_NEW_REPORTS,
    group_by_topic,
    highlight,
    local_time,
    render_text,
    story_line,
    subject_line,
    update_line,
)
from core.errors import AlertDeliveryError
from core.reasons import FailureReason
from core.records import AlertMessage, StoryArticle
from core.settings import SmtpSettings
from core.watchlist import EmailChannelSpec

_FORBIDDEN = ("\r", "\n", "\0")


def check_header_value(value: str, *, what: str) -> str:
    """``value`` unchanged, or ValueError when it holds CR, LF or NUL (a header injection)."""
    if any(ch in value for ch in _FORBIDDEN):
        raise ValueError(f"{what} contains a line break or NUL: refused")
    return value


def one_line(text: str) -> str:
    """Article text made safe for a header: control characters become spaces, runs collapse."""
    cleaned = "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in text)
    return " ".join(cleaned.split())


def message_id(message: AlertMessage, sender: str, *, alert_id: int | None = None) -> str:
    """``<newswatch.alert.42@example.org>``: the same for every attempt of one alert (or of ``alert_id``)."""
    domain = sender.rpartition("@")[2] or "localhost"
    kind = "digest" if message.kind == "digest" and alert_id is None else "alert"
    number = message.alert_id if alert_id is None else alert_id
    return f"<newswatch.{kind}.{number}@{check_header_value(domain, what='sender domain')}>"


def build_email(
    message: AlertMessage, *, spec: EmailChannelSpec, sender: str, recipients: list[str]
) -> EmailMessage:
    """The multipart (text + HTML) message for an alert or a digest."""
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = check_header_value(sender, what="sender")
    mail["To"] = ", ".join(check_header_value(r, what="recipient") for r in recipients)
    prefix = check_header_value(spec.subject_prefix, what="subject prefix")
    mail["Subject"] = one_line(subject_line(message, prefix))[:250]
    mail["Message-ID"] = message_id(message, sender)
    if message.follows is not None:  # a story update: mail clients thread it under the alert
        mail["In-Reply-To"] = mail["References"] = message_id(message, sender, alert_id=message.follows)
    mail["Date"] = formatdate(localtime=False)
    mail["Auto-Submitted"] = "auto-generated"
    if spec.unsubscribe:
        target = check_header_value(spec.unsubscribe, what="unsubscribe")
        mail["List-Unsubscribe"] = f"<{target}>"
        if target.startswith("https://"):
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(render_text(message) + "\n")
    mail.add_alternative(render_html(message, spec.timezone), subtype="html")
    return mail


def _html_link(article: StoryArticle, text: str) -> str:
    label = html.escape(text)
    if article.link and article.link.startswith(("http://", "https://")):
        return f'<a href="{html.escape(article.link, quote=True)}">{label}</a>'
    return label


def _html_snippet(text: str, terms: tuple[str, ...]) -> str:
    return "".join(
        f"<strong>{html.escape(piece)}</strong>" if matched else html.escape(piece)
        for piece, matched in highlight(text, terms)
    )


def _html_story(message: AlertMessage, zone: str) -> str:
    lead = message.articles[0] if message.articles else None
    headline = _html_link(lead, message.story_title) if lead else html.escape(message.story_title)
    parts = [f'<h3 style="margin:0 0 4px">{headline}</h3>']
    facts = []
    if lead and lead.publisher:
        facts.append(html.escape(lead.publisher))
    moment = lead and (lead.published or lead.first_seen)
    if moment:
        facts.append(html.escape(local_time(moment, zone)))
    if facts:
        parts.append(f'<p style="color:#555;margin:0">{" · ".join(facts)}</p>')
    if lead and lead.snippet:
        parts.append(f"<p>{_html_snippet(lead.snippet, message.matched_terms)}</p>")
    terms = ", ".join(f"<strong>{html.escape(t)}</strong>" for t in message.matched_terms)
    parts.append(f'<p style="color:#555">{html.escape(story_line(message, zone))} · matched: {terms}</p>')
    others = "".join(f"<li>{_html_link(a, a.title)}</li>" for a in message.articles[1:6])
    if others:
        parts.append(f"<ul>{others}</ul>")
    return "\n".join(parts)


def _html_update(message: AlertMessage, zone: str) -> str:
    lead = message.articles[0] if message.articles else None
    headline = _html_link(lead, message.story_title) if lead else html.escape(message.story_title)
    new = "".join(
        f"<li>{_html_link(a, a.title)} ({html.escape(a.outlet)})</li>"
        for a in message.new_articles[:MAX_NEW_REPORTS]
    )
    return "\n".join(
        [
            f'<h3 style="margin:0 0 4px">{headline}</h3>',
            f"<p>{html.escape(update_line(message, zone))}</p>",
            f"<p>New since:</p><ul>{new}</ul>" if new else "",
        ]
    )


def render_html(message: AlertMessage, zone: str = "UTC") -> str:
    """The HTML part: every piece of article text escaped."""
    if message.kind == "update":
        title = f"{html.escape(message.topic)} · story update"
        body = f"<p><strong>{title}</strong></p>\n{_html_update(message, zone)}"
    elif message.kind != "digest":
        body = f"<p><strong>{html.escape(message.topic)}</strong></p>\n{_html_story(message, zone)}"
    else:
        sections = []
        for topic, items in group_by_topic(message.items):
            stories = "\n<hr>\n".join(_html_story(item, zone) for item in items)
            sections.append(f"<h2>{html.escape(topic)}</h2>\n{stories}")
        body = "\n".join(sections)
    return f'<!doctype html>\n<html><body style="font-family:sans-serif">\n{body}\n</body></html>\n'


class EmailChannel:
    """Sends each alert (or digest) to the channel's recipients through the configured SMTP server."""

    def __init__(self, name: str, spec: EmailChannelSpec, smtp: SmtpSettings) -> None:
        self.name, self.spec, self.smtp = name, spec, smtp
        self.at_most_once = spec.at_most_once

    def send(self, message: AlertMessage) -> str | None:
        """Deliver to every recipient not yet done; the Message-ID, or AlertDeliveryError.

        When recipients fare differently the error's ``recipients`` holds each one's result.
        """
        pending = [r for r in self.spec.to if r not in message.done_recipients]
        try:
            mail = build_email(
                message, spec=self.spec, sender=self.smtp.sender, recipients=list(self.spec.to)
            )
        except ValueError as exc:
            raise AlertDeliveryError(
                f"{self.name}: {exc}", channel=self.name, reason=FailureReason.HEADER_REFUSED
            ) from exc
        results = self._deliver(mail, pending)
        if any(status != "sent" for status in results.values()):
            raise _recipient_error(self.name, results)
        return str(mail["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        """An SMTP session, encrypted as the settings say and logged in when a user is set."""
        try:
            client = self._open()
        except ssl.SSLError as exc:  # the certificate is not trusted, or the handshake failed
            raise self._tls_error(exc) from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, tarpit, early drop
            raise AlertDeliveryError(
                f"{self.name}: SMTP server unavailable ({type(exc).__name__})",
                channel=self.name,
                reason=FailureReason.SMTP_UNAVAILABLE,
            ) from exc
        try:
            self._login(client)
        except BaseException:
            client.close()
            raise
        return client

    def _open(self) -> smtplib.SMTP:
        """Connect: implicit TLS (``ssl``), or STARTTLS before anything else is said (``starttls``)."""
        settings = self.smtp
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_s, context=tls_context(settings)
            )
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        if settings.security == "starttls":
            try:
                client.starttls(context=tls_context(settings))
            except smtplib.SMTPNotSupportedError as exc:  # never fall back to clear text
                client.close()
                raise self._tls_error(exc) from exc
            except BaseException:
                client.close()
                raise
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        """Log in when a user is set; the password goes in clear text only to this machine."""
        username, password = self.smtp.username, self.smtp.password
        if not username or password is None:
            return
        if not isinstance(client.sock, ssl.SSLSocket) and not _is_loopback(self.smtp.host):
            raise self._login_error(
                f"login over an unencrypted connection to {self.smtp.host} refused; "
                "set NEWSWATCH_SMTP__SECURITY to starttls or ssl",
                FailureReason.SMTP_PLAINTEXT_LOGIN,
            )
        try:
            client.login(username, password.get_secret_value())
        except smtplib.SMTPAuthenticationError as exc:
            raise self._login_error(f"SMTP login refused ({exc.smtp_code})", FailureReason.SMTP_AUTH) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise self._login_error(
                "the SMTP server offers no login (AUTH)", FailureReason.SMTP_AUTH
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise AlertDeliveryError(
                f"{self.name}: SMTP connection lost during login ({type(exc).__name__})",
                channel=self.name,
                reason=FailureReason.SMTP_UNAVAILABLE,
            ) from exc

    def _login_error(self, what: str, reason: FailureReason) -> AlertDeliveryError:
        return AlertDeliveryError(f"{self.name}: {what}", channel=self.name, reason=reason)

    def _tls_error(self, exc: BaseException) -> AlertDeliveryError:
        """Not sent, worth retrying (a certificate may be renewed), and named so it is found quickly."""
        return AlertDeliveryError(
            f"{self.name}: no TLS with the SMTP server ({_tls_problem(exc)}); nothing was sent",
            channel=self.name,
            reason=FailureReason.SMTP_TLS,
        )

    def _deliver(self, mail: EmailMessage, recipients: list[str]) -> dict[str, str]:
        """Run MAIL, RCPT per recipient and DATA; each recipient's result (sent | retry | dead: …)."""
        client = self._connect()
        stage = "envelope"
        try:
            client.ehlo_or_helo_if_needed()
            code, reply = client.mail(self.smtp.sender)
            if code != 250:
                raise _reply_error(self.name, code, reply, "sender refused")
            results = {r: _rcpt_result(*client.rcpt(r)) for r in recipients}
            accepted = [r for r, status in results.items() if status == "sent"]
            if not accepted:
                client.rset()
                return results
            stage = "data"
            code, reply = client.data(mail.as_bytes())
            if code != 250:  # the server answered after the final dot: it did not take the message
                status = "retry" if 400 <= code < 500 else f"dead: {code} {_text(reply)}"
                results.update(dict.fromkeys(accepted, status))
            return results
        except smtplib.SMTPResponseException as exc:  # DATA refused before the message was sent
            raise _reply_error(self.name, exc.smtp_code, exc.smtp_error, "refused") from exc
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            if stage == "data":
                raise AlertDeliveryError(
                    f"{self.name}: connection lost after the message was sent; it may have arrived",
                    channel=self.name,
                    ambiguous=True,
                    reason=FailureReason.AMBIGUOUS_SMTP_DROP,
                ) from exc
            raise AlertDeliveryError(
                f"{self.name}: SMTP connection lost ({type(exc).__name__})",
                channel=self.name,
                reason=FailureReason.SMTP_UNAVAILABLE,
            ) from exc
        finally:
            _quit(client)


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """A verifying TLS context: the system's certificate authorities, or only ``ca_file`` when set."""
    cafile = str(settings.ca_file) if settings.ca_file else None
    return ssl.create_default_context(cafile=cafile)


def _tls_problem(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "the server does not offer STARTTLS"
    return type(exc).__name__


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return one_line(text)[:200]


def _rcpt_result(code: int, reply: bytes | str) -> str:
    if code in (250, 251):
        return "sent"
    if 400 <= code < 500:
        return "retry"
    return f"dead: {code} {_text(reply)}"


def _reply_error(channel: str, code: int, reply: bytes | str, what: str) -> AlertDeliveryError:
    return AlertDeliveryError(
        f"{channel}: {what}: {code} {_text(reply)}",
        channel=channel,
        reason=FailureReason.status("smtp", code),  # transient for 4xx
    )


def _recipient_error(channel: str, results: dict[str, str]) -> AlertDeliveryError:
    failed = {r: s for r, s in results.items() if s != "sent"}
    detail = "; ".join(f"{r}: {s}" for r, s in failed.items())
    return AlertDeliveryError(
        f"{channel}: not delivered to {detail}",
        channel=channel,
        recipients=results,  # alerts/policy.py retries only the recipients marked "retry"
        reason=FailureReason.SMTP_RECIPIENTS,
    )


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
