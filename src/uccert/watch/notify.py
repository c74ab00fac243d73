"""Notifications of a check's change: the payload shapes (pure) and the two senders.

``--webhook-format`` picks the body POSTed to ``--webhook``:

- ``json``: uccert's own document, ``{"source": "uccert", "new": [...], "resolved": [...]}``
  with every finding as `uccert check --json` writes it.
- ``slack``: ``{"text": ...}``, the body of a Slack incoming webhook
  (https://api.slack.com/messaging/webhooks).
- ``teams``: ``{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <Adaptive Card>}]}``, what a Teams
  Workflows "When a Teams webhook request is received" flow takes (Microsoft 365 connectors and
  their MessageCard are retired:
  https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using).
- ``webex``: ``{"markdown": ...}``, the body of the Webex Incoming Webhooks integration
  (https://apphub.webex.com/applications/incoming-webhooks-cisco-systems-38054-23307).

``--notify-command`` gets the ``json`` document on stdin, and ``UCCERT_NEW`` /
``UCCERT_RESOLVED`` (counts) in its environment.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Final, Literal

from uccert.errors import ConfigError

from .findings import Change

WebhookFormat = Literal["json", "slack", "teams", "webex"]
FORMATS: Final[tuple[WebhookFormat, ...]] = ("json", "slack", "teams", "webex")
TIMEOUT: Final = 30.0
MAX_LINES: Final = 50  # a chat message stays readable; the json format carries everything


class NotifyFailed(Exception):
    """A notification could not be delivered (the findings stay un-notified: retried)."""


def document(change: Change) -> dict[str, Any]:
    return {"source": "uccert", **change.to_json()}


def _line(finding: Mapping[str, Any]) -> str:
    where = finding.get("node") or "(cluster)"
    return (
        f"{finding['severity']} {finding['code']} {finding['cluster']}/{where}"
        f" {finding['subject']}: {finding['message']}"
    )


def lines(change: Change) -> list[str]:
    """The change as text lines: new findings first (with their fix), then resolved ones."""
    out = [f"uccert: {len(change.new)} new finding(s), {len(change.resolved)} resolved"]
    for f in change.new:
        out.append(f"NEW {_line(f)} — fix: {f['fix']}")
    for f in change.resolved:
        out.append(f"RESOLVED {_line(f)}")
    if len(out) > MAX_LINES:
        out = [*out[: MAX_LINES - 1], f"... and {len(out) - MAX_LINES + 1} more"]
    return out


def payload(change: Change, form: WebhookFormat) -> dict[str, Any]:
    """The body POSTed for ``form``."""
    text = lines(change)
    match form:
        case "json":
            return document(change)
        case "slack":
            return {"text": "\n".join(text)}
        case "webex":
            return {"markdown": "\n\n".join([f"**{text[0]}**", *text[1:]])}
        case "teams":
            body = [{"type": "TextBlock", "text": text[0], "weight": "Bolder", "wrap": True}]
            body += [{"type": "TextBlock", "text": t, "wrap": True} for t in text[1:]]
            card = {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            }
            return {
                "type": "message",
                "attachments": [
                    {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
                ],
            }


def check_webhook(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise ConfigError(f"--webhook {url!r} is not an http(s) URL: give e.g. https://host/path")
    return url


def post(url: str, body: Mapping[str, Any]) -> None:
    """POST ``body`` as JSON; any answer but 2xx is a failure (the URL is not shown: incoming
    webhook URLs hold their secret in the path)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise NotifyFailed(f"the webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise NotifyFailed(f"the webhook could not be reached: {exc}") from None
    if not 200 <= status < 300:
        raise NotifyFailed(f"the webhook answered HTTP {status}")


def run_command(argv: tuple[str, ...], change: Change, env: Mapping[str, str]) -> None:
    """The command, the json document on its stdin; a non-zero exit is a failure."""
    full = {
        **env,
        "UCCERT_NEW": str(len(change.new)),
        "UCCERT_RESOLVED": str(len(change.resolved)),
    }
    try:
        done = subprocess.run(
            argv,
            input=json.dumps(document(change)).encode(),
            env=full,
            capture_output=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NotifyFailed(f"--notify-command could not run: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise NotifyFailed(f"--notify-command exited {done.returncode} {said[0]}".rstrip())
