"""SMS, voice calls and push through a telephony provider's HTTP API.

The three channel kinds share one small provider interface (:class:`TelephonyProvider`) with a
registry of providers; the first one speaks Twilio's REST API at a configurable base URL:

- SMS: ``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` (form: To, From, Body);
- voice: ``POST {base}/2010-04-01/Accounts/{sid}/Calls.json`` (form: To, From, Twiml — the
  summary read out twice);
- push: ``POST {push_base}/v1/Services/{service_sid}/Notifications`` (form: Identity, Title,
  Body), Twilio Notify's API.

Every request uses HTTP basic auth with the account SID and auth token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

from app.config import Settings
from app.notify.channels import http
from app.notify.channels.base import (
    Delivery,
    FieldSpec,
    Problems,
    SentResult,
    split_list,
    url_problem,
)
from app.notify.registry import register

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SMS_LIMIT = 1600
"""Twilio refuses longer bodies; alerts are cut to this many characters."""


@dataclass(frozen=True)
class ProviderAccount:
    """A provider account: its API base URLs and credentials."""

    base_url: str
    push_base_url: str
    account_sid: str
    auth_token: str
    timeout_s: float


class TelephonyProvider(Protocol):
    """What the SMS, voice and push channels need from a provider."""

    name: str

    def send_sms(self, account: ProviderAccount, sender: str, to: str, body: str) -> SentResult:
        """Send one text message."""
        ...

    def place_call(self, account: ProviderAccount, sender: str, to: str, speech: str) -> SentResult:
        """Call ``to`` and read ``speech`` out."""
        ...

    def send_push(
        self, account: ProviderAccount, service: str, identity: str, title: str, body: str
    ) -> SentResult:
        """Push a notification to the devices bound to ``identity``."""
        ...


class TwilioStyleProvider:
    """Twilio's REST API (or anything speaking it, e.g. a test double at a local base URL)."""

    name = "twilio"

    def _post(self, account: ProviderAccount, url: str, form: Mapping[str, str]) -> SentResult:
        return http.post(
            url,
            urlencode(form).encode(),
            content_type="application/x-www-form-urlencoded",
            timeout_s=account.timeout_s,
            headers={"Authorization": http.basic_auth(account.account_sid, account.auth_token)},
        )

    def _account_url(self, account: ProviderAccount, resource: str) -> str:
        sid = quote(account.account_sid, safe="")
        return f"{account.base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/{resource}.json"

    def send_sms(self, account: ProviderAccount, sender: str, to: str, body: str) -> SentResult:
        """``Messages.json`` with To, From and Body."""
        form = {"To": to, "From": sender, "Body": body[:SMS_LIMIT]}
        return self._post(account, self._account_url(account, "Messages"), form)

    def place_call(self, account: ProviderAccount, sender: str, to: str, speech: str) -> SentResult:
        """``Calls.json`` with inline TwiML that says ``speech`` twice."""
        said = f"<Say>{escape(speech)}</Say>"
        form = {"To": to, "From": sender, "Twiml": f"<Response>{said}{said}</Response>"}
        return self._post(account, self._account_url(account, "Calls"), form)

    def send_push(
        self, account: ProviderAccount, service: str, identity: str, title: str, body: str
    ) -> SentResult:
        """Notify's ``Notifications`` resource of ``service``."""
        base = account.push_base_url.rstrip("/")
        url = f"{base}/v1/Services/{quote(service, safe='')}/Notifications"
        return self._post(account, url, {"Identity": identity, "Title": title, "Body": body})


PROVIDERS: dict[str, TelephonyProvider] = {"twilio": TwilioStyleProvider()}
"""Providers by name; a channel picks one with its ``provider`` setting (default ``twilio``)."""

_COMMON = (
    FieldSpec("account_sid", "Account SID", placeholder="AC0123456789abcdef0123456789abcdef"),
    FieldSpec("auth_token", "Auth token", secret=True),
    FieldSpec(
        "base_url",
        "API base URL",
        required=False,
        hint="Empty: the server setting (https://api.twilio.com by default).",
    ),
)


def _account(settings: Settings, delivery: Delivery) -> ProviderAccount:
    config = delivery.config
    return ProviderAccount(
        base_url=str(config.get("base_url") or settings.notify_sms_base_url),
        push_base_url=str(config.get("push_base_url") or settings.notify_push_base_url),
        account_sid=str(config["account_sid"]),
        auth_token=delivery.secrets["auth_token"],
        timeout_s=settings.notify_http_timeout_s,
    )


def _provider(config: Mapping[str, Any]) -> TelephonyProvider:
    return PROVIDERS[str(config.get("provider") or "twilio")]


def _check_common(problems: Problems, config: Mapping[str, Any]) -> None:
    for name in ("base_url", "push_base_url"):
        if config.get(name) and (problem := url_problem(str(config[name]))):
            problems.add(name, problem)
    if str(config.get("provider") or "twilio") not in PROVIDERS:
        problems.add("provider", f"Known providers: {', '.join(sorted(PROVIDERS))}.")


def _check_numbers(problems: Problems, config: Mapping[str, Any]) -> None:
    if config.get("from_number") and not E164.match(str(config["from_number"]).strip()):
        problems.add("from_number", "Use the international format, e.g. +447700900123.")
    bad = [item for item in split_list(config.get("to_numbers")) if not E164.match(item)]
    if bad:
        problems.add("to_numbers", f"Not in the international format: {', '.join(bad)}.")


def _sent_to_all(results: list[SentResult], targets: list[str]) -> SentResult:
    last = results[-1].status if results else None
    return SentResult(status=last, note=f"sent to {', '.join(targets)}")


class SmsAdapter:
    """A text message with the summary to each number."""

    kind = "sms"
    label = "SMS"
    fields: tuple[FieldSpec, ...] = (
        *_COMMON,
        FieldSpec("from_number", "From number", placeholder="+447700900000"),
        FieldSpec("to_numbers", "To numbers", hint="Comma-separated, e.g. +447700900123."),
    )

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """Credentials and phone numbers in E.164 form."""
        problems = Problems()
        problems.require({**config, **secrets}, self.fields)
        _check_common(problems, config)
        _check_numbers(problems, config)
        return problems.found

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One message per number (a failure stops the rest; the retry sends to all again)."""
        account, targets = _account(settings, delivery), split_list(delivery.config["to_numbers"])
        sender, text = str(delivery.config["from_number"]), delivery.message.summary
        provider = _provider(delivery.config)
        results = [provider.send_sms(account, sender, to, text) for to in targets]
        return _sent_to_all(results, targets)


class VoiceAdapter(SmsAdapter):
    """A phone call reading the summary out, to each number."""

    kind = "voice"
    label = "Voice call"

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One call per number."""
        account, targets = _account(settings, delivery), split_list(delivery.config["to_numbers"])
        sender, speech = str(delivery.config["from_number"]), delivery.message.summary
        provider = _provider(delivery.config)
        results = [provider.place_call(account, sender, to, speech) for to in targets]
        return _sent_to_all(results, targets)


class PushAdapter:
    """A push notification to the devices of each identity (user name) of a Notify service."""

    kind = "push"
    label = "Push notification"
    fields: tuple[FieldSpec, ...] = (
        *_COMMON,
        FieldSpec(
            "push_base_url",
            "Push API base URL",
            required=False,
            hint="Empty: the server setting (https://notify.twilio.com by default).",
        ),
        FieldSpec("service_sid", "Notify service SID", placeholder="IS0123..."),
        FieldSpec("identities", "Identities", hint="Comma-separated user identities."),
    )

    def validate(self, config: Mapping[str, Any], secrets: Mapping[str, str]) -> dict[str, str]:
        """Credentials, the service and at least one identity."""
        problems = Problems()
        problems.require({**config, **secrets}, self.fields)
        _check_common(problems, config)
        return problems.found

    def send(self, settings: Settings, delivery: Delivery) -> SentResult:
        """One notification per identity."""
        account, targets = _account(settings, delivery), split_list(delivery.config["identities"])
        service, message = str(delivery.config["service_sid"]), delivery.message
        provider = _provider(delivery.config)
        results = [
            provider.send_push(account, service, who, message.title, message.summary)
            for who in targets
        ]
        return _sent_to_all(results, targets)


register(SmsAdapter())
register(VoiceAdapter())
register(PushAdapter())
