"""Every email page of a workspace is 404 for members of other workspaces (GET and POST,
nothing changes) and sends anonymous visitors to log in. A guard fails when a dashboard
URL of this app is missing from the list."""

from __future__ import annotations

import pytest
from django.test import Client

from fanloop.messaging.models import EmailTemplate, OutboundMessage, SendingRules, Suppression


def _endpoints(ws: str, template_pk: int, suppression_pk: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/w/{ws}/email/"),
        ("get", f"/w/{ws}/email/new/"),
        ("post", f"/w/{ws}/email/new/"),
        ("get", f"/w/{ws}/email/{template_pk}/"),
        ("get", f"/w/{ws}/email/{template_pk}/edit/"),
        ("post", f"/w/{ws}/email/{template_pk}/edit/"),
        ("post", f"/w/{ws}/email/{template_pk}/test/"),
        ("get", f"/w/{ws}/email/{template_pk}/delete/"),
        ("post", f"/w/{ws}/email/{template_pk}/delete/"),
        ("get", f"/w/{ws}/email/outbox/"),
        ("get", f"/w/{ws}/email/rules/"),
        ("post", f"/w/{ws}/email/rules/"),
        ("get", f"/w/{ws}/email/suppressions/"),
        ("post", f"/w/{ws}/email/suppressions/add/"),
        ("get", f"/w/{ws}/email/suppressions/{suppression_pk}/remove/"),
        ("post", f"/w/{ws}/email/suppressions/{suppression_pk}/remove/"),
        ("get", f"/w/{ws}/email/sink/"),
        ("get", f"/w/{ws}/email/sink/1-1/"),
    ]


ENDPOINT_COUNT = 18
FORM = {
    "name": "Hijack", "subject": "x", "text_body": "x", "email": "evil@x.example",
    "frequency_cap": "50", "frequency_window_hours": "1",
}  # fmt: skip


@pytest.fixture
def targets(settings, tmp_path, workspace, template):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMTP_SINK_DIR = str(tmp_path)  # the sink pages exist
    (tmp_path / "1-1.eml").write_bytes(b"To: jo@fans.example\r\nSubject: secret\r\n\r\nhi\r\n")
    row = Suppression.objects.create(workspace=workspace, email="s@x.example", reason="manual")
    return _endpoints(workspace.slug, template.pk, row.pk)


def _unchanged(template: EmailTemplate) -> None:
    assert EmailTemplate.objects.get(pk=template.pk).name == "It's out"
    assert not EmailTemplate.objects.filter(name="Hijack").exists()
    assert list(Suppression.objects.values_list("email", flat=True)) == ["s@x.example"]
    assert not OutboundMessage.objects.exists()
    assert not SendingRules.objects.exists()


@pytest.mark.parametrize("index", range(ENDPOINT_COUNT))
def test_it_refuses_outsiders_with_404(outsider_client, targets, template, fan, index):
    method, url = targets[index]
    response = getattr(outsider_client, method)(url, FORM)
    assert response.status_code == 404
    assert b"jo@fans.example" not in response.content and b"secret" not in response.content
    _unchanged(template)


@pytest.mark.parametrize("index", range(ENDPOINT_COUNT))
def test_it_sends_anonymous_visitors_to_login(targets, template, index):
    method, url = targets[index]
    response = getattr(Client(), method)(url, FORM)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    _unchanged(template)


def test_it_lists_every_endpoint(targets):
    """Guard: a new dashboard URL of this app must be added to the list above."""
    from django.urls import resolve

    from fanloop.messaging.urls import urlpatterns

    assert len(targets) == ENDPOINT_COUNT
    listed = {resolve(url.split("?")[0]).url_name for _, url in targets}
    dashboard = {
        p.name for p in urlpatterns if hasattr(p, "name") and str(p.pattern).startswith("w/")
    }
    assert dashboard == listed
