"""Logout is a POST: a GET (a link, an image tag) cannot log anyone out."""

from __future__ import annotations

from django.urls import reverse

URL = "/accounts/logout/"


def test_it_logs_out_on_post(owner_client):
    response = owner_client.post(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in owner_client.session


def test_it_refuses_get(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 405
    assert "_auth_user_id" in owner_client.session
