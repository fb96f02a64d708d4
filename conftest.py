"""Shared fixtures: named personas (owner, editor, viewer, outsider) and their clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from fanloop.accounts.models import Role, User, Workspace
from fanloop.accounts.services import add_member
from fanloop.analytics import buffer
from fanloop.flows.workspaces import create_workspace

if TYPE_CHECKING:
    from playwright.sync_api import Browser

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _no_page_view_writer_thread() -> None:
    """Tests flush the page-view buffer themselves: a writer thread would write outside
    the test's transaction."""
    buffer.events.writer_thread = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Real hashers take ~0.3 s per password by design; tests need not pay for that."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


PASSWORD = "correct horse battery staple"


@pytest.fixture
def owner(db: None) -> User:
    return User.objects.create_user("alice@example.org", PASSWORD)


@pytest.fixture
def workspace(owner: User) -> Workspace:
    return create_workspace("Alice Band", owner)


@pytest.fixture
def editor(workspace: Workspace) -> User:
    user = User.objects.create_user("bob@example.org", PASSWORD)
    add_member(workspace, user, Role.EDITOR)
    return user


@pytest.fixture
def viewer(workspace: Workspace) -> User:
    user = User.objects.create_user("vera@example.org", PASSWORD)
    add_member(workspace, user, Role.VIEWER)
    return user


@pytest.fixture
def outsider(db: None) -> User:
    """Member of another workspace only: must be refused everywhere in ``workspace``."""
    user = User.objects.create_user("mallory@example.org", PASSWORD)
    create_workspace("Mallory Records", user)
    return user


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner: User, workspace: Workspace) -> Client:
    return _client_for(owner)


@pytest.fixture
def editor_client(editor: User) -> Client:
    return _client_for(editor)


@pytest.fixture
def viewer_client(viewer: User) -> Client:
    return _client_for(viewer)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return _client_for(outsider)


# --- real browser ---------------------------------------------------------
# Playwright drives Debian's Chromium: test tools' own browser downloads fail here.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls
    # made by the test between browser steps are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- durable workflows -----------------------------------------------------
@pytest.fixture
def dbos_runtime(transactional_db: None, tmp_path: Path) -> Iterator[None]:
    """DBOS launched in this process with every fanloop workflow registered, on a fresh
    SQLite system database; destroyed after the test. Workflow threads use their own
    database connections, so tests using it see committed data only (transactional_db)."""
    from dbos import DBOS

    from fanloop.fulfillment.workflows import forget_queues
    from fanloop.ops.worker import register_workflows

    register_workflows()
    forget_queues()
    DBOS(
        config={
            "name": "fanloop",
            "system_database_url": f"sqlite:///{tmp_path / 'dbos.sqlite3'}",
            "executor_id": "test-worker",
            "log_level": "WARNING",
        }
    )
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy(destroy_registry=False)
