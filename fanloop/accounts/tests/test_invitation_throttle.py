"""Guessing invitation links: after INVITATION_FAILURE_LIMIT unknown links one client gets
429 for every link, the right one included, so a lucky guess is not confirmed."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from fanloop.accounts.models import Role


def _accept(token: str) -> str:
    return reverse("accounts:accept_invitation", args=[token])


def test_it_stops_a_client_guessing_invitation_links(invite, settings):
    settings.INVITATION_FAILURE_LIMIT = 5
    invitation = invite("guessed@example.org", Role.EDITOR)
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        assert guesser.get(_accept(f"guess-{n}")).status_code == 404
    assert guesser.get(_accept(invitation.token)).status_code == 429
    signup = f"{reverse('accounts:signup')}?invite={invitation.token}"
    assert guesser.get(signup).status_code == 429
    # Another client, and the invitee, are not affected.
    assert Client(REMOTE_ADDR="192.0.2.10").get(_accept(invitation.token)).status_code == 200


def test_working_links_do_not_count(invite, settings):
    settings.INVITATION_FAILURE_LIMIT = 2
    invitation = invite("fine@example.org", Role.EDITOR)
    visitor = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(5):
        assert visitor.get(_accept(invitation.token)).status_code == 200
