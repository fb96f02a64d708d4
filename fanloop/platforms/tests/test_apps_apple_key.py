"""The Apple Music private key must be an EC P-256 key able to sign ES256: anything else is
refused with a message saying what it is and where to get the right one; keys whose line
breaks were lost in copying are repaired."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fanloop.accounts.models import Workspace
from fanloop.platforms import services
from fanloop.platforms.models import PlatformApp

from .app_factories import APPLE_KEY, APPLE_TEAM, p256_key, p384_key, rsa_key


def _refused(workspace: Workspace, private_key: str) -> str:
    with pytest.raises(ValidationError) as caught:
        services.create_app(
            workspace, "applemusic", team_id=APPLE_TEAM, key_id=APPLE_KEY, private_key=private_key
        )
    assert not PlatformApp.objects.exists()
    return " ".join(caught.value.message_dict["private_key"])


def test_it_refuses_garbage(workspace):
    message = _refused(workspace, "hello, this is my key")
    assert "not a PEM private key" in message
    assert ".p8" in message


def test_it_refuses_a_truncated_key(workspace):
    key = p256_key()
    lines = key.splitlines()
    damaged = "\n".join([lines[0], lines[1][:20], lines[-1]])
    assert "cannot be read" in _refused(workspace, damaged)


def test_it_refuses_an_rsa_key(workspace):
    assert "not an elliptic-curve key (it may be an RSA key)" in _refused(workspace, rsa_key())


def test_it_refuses_another_curve(workspace):
    assert "secp384r1 curve; Apple Music needs P-256" in _refused(workspace, p384_key())


def test_it_refuses_a_public_key(workspace):
    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert "public key or certificate" in _refused(workspace, public)


def test_it_refuses_a_password_protected_key(workspace):
    encrypted = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
        .decode()
    )
    assert "protected by a password" in _refused(workspace, encrypted)


def test_it_refuses_an_empty_key(workspace):
    assert "Paste the private key" in _refused(workspace, "   ")


def test_it_refuses_an_oversize_key(workspace):
    assert "far too long" in _refused(workspace, p256_key() + "A" * 6000)


def test_it_repairs_lost_line_breaks(workspace):
    key = p256_key()
    flattened = " ".join(key.split("\n")).replace(
        "-----BEGIN PRIVATE KEY----- ", "-----BEGIN PRIVATE KEY-----"
    )
    app = services.create_app(
        workspace,
        "applemusic",
        team_id=APPLE_TEAM,
        key_id=APPLE_KEY,
        private_key=f"\r\n{flattened}\r\n",
    )
    assert app.private_key == key
    token = jwt.encode({"iss": APPLE_TEAM}, app.private_key, algorithm="ES256")
    assert token.count(".") == 2


def test_it_accepts_a_traditional_ec_key(workspace):
    traditional = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        .decode()
    )
    app = services.create_app(
        workspace, "applemusic", team_id=APPLE_TEAM, key_id=APPLE_KEY, private_key=traditional
    )
    assert app.private_key == traditional


def test_it_shows_the_message_in_the_page_without_echoing_the_key(owner_client, workspace):
    key = rsa_key()
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/applemusic/",
        {"team_id": APPLE_TEAM, "key_id": APPLE_KEY, "private_key": key},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "it may be an RSA key" in html
    body = key.splitlines()[1]
    assert body not in html


def test_it_refuses_a_binary_upload(owner_client, workspace):
    upload = SimpleUploadedFile("AuthKey.p8", b"\xff\xfe\x00\x01binary")
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/applemusic/",
        {"team_id": APPLE_TEAM, "key_id": APPLE_KEY, "private_key_file": upload},
    )
    assert response.status_code == 400
    assert "not a .p8 key (it is not text)" in response.content.decode()
    assert not PlatformApp.objects.exists()


def test_it_refuses_a_file_and_a_pasted_key_together(owner_client, workspace):
    upload = SimpleUploadedFile("AuthKey.p8", p256_key().encode())
    response = owner_client.post(
        f"/w/{workspace.slug}/platforms/new/applemusic/",
        {
            "team_id": APPLE_TEAM,
            "key_id": APPLE_KEY,
            "private_key_file": upload,
            "private_key": p256_key(),
        },
    )
    assert response.status_code == 400
    assert "Upload the file or paste the key, not both." in response.content.decode()
    assert not PlatformApp.objects.exists()
