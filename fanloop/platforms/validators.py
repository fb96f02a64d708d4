"""Checks for platform app credentials as pasted by a workspace owner: ids, secrets and the
Apple Music private key. Each returns the cleaned value or raises ``ValidationError``.
"""

from __future__ import annotations

import re

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

NAME_MAX = 100
ID_MAX = 200
SECRET_MIN = 8
SECRET_MAX = 200
PRIVATE_KEY_MAX = 5000  # a P-256 .p8 is ~250 characters; anything this long is not one
CAP_MAX = 1_000_000
BUDGET_MAX = 100_000

# Spotify shows client ids as 32 lowercase hex characters in its Developer Dashboard.
SPOTIFY_CLIENT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
DEEZER_APP_ID_RE = re.compile(r"^[0-9]{1,20}$")
# TIDAL client ids are short strings of letters and digits (the dashboard shows e.g. 16).
TIDAL_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9]{8,64}$")
# Apple team ids and key ids are 10 characters, upper-case letters and digits.
APPLE_ID_RE = re.compile(r"^[A-Z0-9]{10}$")
PEM_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
WHITESPACE_RE = re.compile(r"\s")
ENCRYPTED_KEY = "This key is protected by a password; Apple's .p8 keys are not: use the .p8 as is."

GET_A_P8 = (
    "Download a MusicKit key (.p8 file) from Certificates, Identifiers & Profiles → Keys in "
    "your Apple Developer account and paste its whole content."
)


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if len(name) > NAME_MAX:
        raise ValidationError(f"Keep the name under {NAME_MAX} characters.")
    return name


def _no_inner_whitespace(value: str, what: str) -> str:
    value = value.strip()
    if WHITESPACE_RE.search(value):
        raise ValidationError(f"The {what} contains spaces or line breaks: copy it again.")
    return value


def clean_spotify_client_id(value: str) -> str:
    value = _no_inner_whitespace(value, "client id")
    if not value:
        raise ValidationError("Enter the app's client id.")
    if not SPOTIFY_CLIENT_ID_RE.match(value):
        raise ValidationError(
            "A Spotify client id is 32 characters, digits 0 to 9 and letters a to f, as shown on "
            "your app's page in the Spotify Developer Dashboard."
        )
    return value


def clean_tidal_client_id(value: str) -> str:
    value = _no_inner_whitespace(value, "client id")
    if not value:
        raise ValidationError("Enter the app's client id.")
    if not TIDAL_CLIENT_ID_RE.match(value):
        raise ValidationError(
            "A TIDAL client id is 8 to 64 letters and digits, as shown on your app's page in "
            "the TIDAL developer dashboard."
        )
    return value


def clean_deezer_app_id(value: str) -> str:
    value = _no_inner_whitespace(value, "application id")
    if not value:
        raise ValidationError("Enter the application id.")
    if not DEEZER_APP_ID_RE.match(value):
        raise ValidationError(
            "A Deezer application id is a number (digits only, at most 20), as shown under "
            "My Apps on developers.deezer.com."
        )
    return value


def clean_secret(value: str, what: str = "secret") -> str:
    value = _no_inner_whitespace(value, what)
    if not value:
        raise ValidationError(f"Enter the {what}.")
    if len(value) > SECRET_MAX:
        raise ValidationError(f"That is too long for a {what} (at most {SECRET_MAX} characters).")
    if len(value) < SECRET_MIN:
        raise ValidationError(f"That is too short for a {what}: copy the whole value.")
    return value


def clean_apple_id(value: str, what: str) -> str:
    value = value.strip().upper()
    if not value:
        raise ValidationError(f"Enter the {what}.")
    if not APPLE_ID_RE.match(value):
        raise ValidationError(f"An Apple {what} is 10 characters, capital letters and digits.")
    return value


def normalize_pem(value: str) -> str:
    """The PEM block rebuilt with 64-character lines.

    Keys pasted through chat tools or environment variables often lose their line breaks or
    gain spaces and CRs; the base64 body survives, so it is re-wrapped rather than refused.
    """
    value = value.strip()
    match = PEM_RE.search(value)
    if match is None:
        raise ValidationError(
            "This is not a PEM private key: it must start with “-----BEGIN PRIVATE KEY-----”. "
            + GET_A_P8
        )
    label, body = match.group(1), WHITESPACE_RE.sub("", match.group(2))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


def clean_apple_private_key(value: str) -> str:
    """An EC P-256 private key that signs an ES256 JWT, as Apple's .p8 files hold."""
    if len(value) > PRIVATE_KEY_MAX:
        raise ValidationError(
            f"That is far too long for an Apple Music key (at most {PRIVATE_KEY_MAX} "
            "characters): paste only the .p8 file's content."
        )
    if not value.strip():
        raise ValidationError("Paste the private key (.p8). " + GET_A_P8)
    pem = normalize_pem(value)
    label = pem.split("-----")[1]
    if "PUBLIC KEY" in label or "CERTIFICATE" in label:
        raise ValidationError(
            "This is a public key or certificate; fanloop needs the private key. " + GET_A_P8
        )
    # PKCS#8 says so in its label, traditional PEM in a Proc-Type header.
    if "ENCRYPTED" in label or "Proc-Type:" in value:
        raise ValidationError(ENCRYPTED_KEY)
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except TypeError:  # cryptography's answer for a key that needs a password
        raise ValidationError(ENCRYPTED_KEY) from None
    except ValueError:
        raise ValidationError(
            "This private key cannot be read: it may be cut short or damaged. " + GET_A_P8
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValidationError(
            "This is not an elliptic-curve key (it may be an RSA key). Apple Music needs an EC "
            "P-256 key that signs ES256. " + GET_A_P8
        )
    if not isinstance(key.curve, ec.SECP256R1):
        raise ValidationError(
            f"This key uses the {key.curve.name} curve; Apple Music needs P-256 (ES256). "
            + GET_A_P8
        )
    try:
        jwt.encode({"iss": "check"}, pem, algorithm="ES256", headers={"kid": "check"})
    except (ValueError, TypeError, jwt.PyJWTError):
        raise ValidationError("This key cannot sign an ES256 token. " + GET_A_P8) from None
    return pem


EMAIL_MAX = 254


def clean_allowed_emails(value: object, limit: int) -> list[str]:
    """An app's development-mode allow-list: emails (a list, or text with one per line or
    separated by commas), lower-cased, each once, at most ``limit``."""
    items = value if isinstance(value, list | tuple) else re.split(r"[\s,;]+", str(value or ""))
    emails: list[str] = []
    for raw in items:
        email = str(raw).strip().lower()
        if not email or email in emails:
            continue
        if len(email) > EMAIL_MAX:
            raise ValidationError(f"“{email[:40]}…” is longer than an email address can be.")
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(f"“{email}” is not an email address.") from None
        emails.append(email)
    if len(emails) > limit:
        raise ValidationError(
            f"A development-mode app serves at most {limit} accounts, yours included: "
            f"list at most {limit} ({len(emails)} given)."
        )
    return emails


def clean_user_cap(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= CAP_MAX:
        raise ValidationError(f"The user cap is a number from 1 to {CAP_MAX:,}, or empty.")
    return value


def clean_budget(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= BUDGET_MAX:
        raise ValidationError(
            f"The request budget is a number from 1 to {BUDGET_MAX:,} per 30 seconds, or empty."
        )
    return value
