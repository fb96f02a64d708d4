"""Shared fixtures: named personas (owner, editor, viewer, outsider) and their clients."""

from __future__ import annotations

import json
import os
from collections import defaultdict
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

# --- slowest work first -----------------------------------------------------
# scripts/test.sh runs the suite on pytest-xdist workers with this scheduler (--dist
# loadfile picks it up). A unit of work is a whole module (its tests keep their order and
# share their module fixtures on one worker), except a test recorded on its own in
# TEST_DURATIONS (one that takes SPLIT_SECONDS or more): it is a unit by itself, so the
# minute-long tests of one module (worker processes killed mid-run) run side by side. Units
# go out slowest first by their last measured duration (unmeasured ones count
# UNMEASURED_SECONDS), the quick modules filling the gaps at the end. xdist's own loadfile
# sends modules by test count, so the few one-test modules that take minutes came last and
# ran alone while the other workers sat idle. `scripts/test.sh ... --record-durations`
# rewrites the file from that run.
TEST_DURATIONS = Path(__file__).resolve().parent / "scripts" / "test-durations.json"
SPLIT_SECONDS = 30.0
UNMEASURED_SECONDS = 2.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-durations",
        action="store_true",
        help=f"record the duration of each module (and slow test) in {TEST_DURATIONS.name}",
    )
    parser.addoption(
        "--every-test",
        action="store_true",
        help="on PostgreSQL, also run the tests that use no database (by default the SQLite "
        "suite alone runs them)",
    )
    parser.addoption(
        "--db-run-name",
        default="",
        help="PostgreSQL only: test databases are named test_fanloop_<name>[_gw<N>], fresh per "
        "run (scripts/test.sh gives each run its own name)",
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings_tox_suffix(request: pytest.FixtureRequest) -> None:
    """Name the PostgreSQL test database after ``--db-run-name`` (before pytest-django's
    own fixture adds the xdist worker's ``_gw<N>``), so concurrent runs never share one."""
    from django.conf import settings

    name = str(request.config.getoption("--db-run-name"))
    database = settings.DATABASES["default"]
    if name and database["ENGINE"] != "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = f"test_fanloop_{name}"


def _module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _recorded_durations() -> dict[str, float]:
    if not TEST_DURATIONS.exists():
        return {}
    return {str(key): float(value) for key, value in json.loads(TEST_DURATIONS.read_text()).items()}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    durations = _recorded_durations()
    config.option.loadscopereorder = False  # units are ordered below

    class SlowestFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if nodeid in durations else _module_of(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if self.workqueue:
                slowest = max(
                    self.workqueue, key=lambda scope: durations.get(scope, UNMEASURED_SECONDS)
                )
                self.workqueue.move_to_end(slowest, last=False)
            super()._assign_work_unit(node)

    return SlowestFirst(config, log)


_measured: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _measured[report.nodeid] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.getoption("record_durations") or hasattr(config, "workerinput"):
        return  # xdist workers send their reports to the controller, which writes the file
    durations: defaultdict[str, float] = defaultdict(float)
    for nodeid, seconds in _measured.items():
        durations[nodeid if seconds >= SPLIT_SECONDS else _module_of(nodeid)] += seconds
    ordered = sorted(durations.items(), key=lambda pair: (-pair[1], pair[0]))
    TEST_DURATIONS.write_text(
        json.dumps({scope: round(seconds, 1) for scope, seconds in ordered}, indent=0) + "\n"
    )


# --- a test that uses no database runs in the SQLite suite only ----------------
# `make test` runs the suite on SQLite, then on PostgreSQL. A test that asks for no database
# (no `django_db` mark, none of pytest-django's database fixtures: pytest-django refuses it
# any query) gives the same answer on both: the emulator's tests, the settings and CLI
# checks, and the tests that start fanloop processes on SQLite files of their own (the demo,
# a worker killed mid-flow). On PostgreSQL they are deselected (`--every-test` keeps them):
# 654 of 2,857 tests, about 136 of the 874 test seconds in scripts/test-durations.json.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "live_server", "django_db_reset_sequences",
     "django_db_serialized_rollback"}
)  # fmt: skip


def uses_the_database(item: pytest.Item) -> bool:
    """Whether ``item`` asks pytest-django for a database (a mark or a fixture)."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if config.getoption("every_test"):
        return
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return
    once = [item for item in items if not uses_the_database(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if uses_the_database(item)]


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _flush_postgresql_by_delete() -> Iterator[None]:
    """After a transactional test, Django empties every table with one ``TRUNCATE`` on
    PostgreSQL: 1.3-1.8 s on this schema (a new file per table and index), against 0.04 s
    for a ``DELETE`` per table, and a suite runs it after some 150 tests. The foreign keys
    Django creates on PostgreSQL are ``DEFERRABLE INITIALLY DEFERRED``, so deleting every
    table in one transaction needs no order. Sequences are left alone, as by ``TRUNCATE``
    without ``RESTART IDENTITY``; a test asking for reset sequences keeps Django's way."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: Any,
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608 - Django's table names

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


@pytest.fixture(autouse=True, scope="session")
def _flush_keeps_what_migrate_made() -> Iterator[None]:
    """The flush after a transactional test empties every table but the content types and
    permissions, and leaves them as ``migrate`` made them instead of making them again:
    Django's flush deletes both, then runs the ``post_migrate`` handlers (those two are the
    only ones installed) to write them back. That took 11 of the SQLite suite's CPU
    seconds (py-spy, whole suite). A test that writes these tables must clean up itself."""
    from django.core.management.commands import flush
    from django.db.backends.base.base import BaseDatabaseWrapper

    def sql_flush(
        style: Any,
        connection: BaseDatabaseWrapper,
        reset_sequences: bool = True,
        allow_cascade: bool = False,
    ) -> list[str]:
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        return connection.ops.sql_flush(
            style,
            [table for table in tables if table not in KEPT_BY_FLUSH],
            reset_sequences=reset_sequences,
            allow_cascade=allow_cascade,
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush, "sql_flush", sql_flush)
        patch.setattr(flush, "emit_post_migrate_signal", lambda *args, **kwargs: None)
        yield


@pytest.fixture(autouse=True, scope="session")
def _drop_postgresql_test_database_by_force() -> Iterator[None]:
    """A worker thread's connection still open at the end of a run (DBOS, a live server's
    request thread) made ``DROP DATABASE`` wait its 5 s and fail, leaving the run's test
    database behind. PostgreSQL 13+ drops it anyway with ``WITH (FORCE)``; the run is over."""
    from django.db.backends.postgresql.creation import DatabaseCreation

    destroy = DatabaseCreation._destroy_test_db  # type: ignore[attr-defined]

    def destroy_by_force(self: Any, test_database_name: str, verbosity: int) -> None:
        if self.connection.pg_version < 130000:
            destroy(self, test_database_name, verbosity)
            return
        with self._nodb_cursor() as cursor:
            name = self.connection.ops.quote_name(test_database_name)
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseCreation, "_destroy_test_db", destroy_by_force)
        yield


@pytest.fixture(autouse=True, scope="session")
def _no_page_view_writer_thread() -> None:
    """Tests flush the page-view buffer themselves: a writer thread would write outside
    the test's transaction."""
    buffer.events.writer_thread = False


@pytest.fixture(autouse=True, scope="session")
def _static_files_found_per_request() -> None:
    """Each test client builds the middleware anew, and WhiteNoise (serving from the app
    folders outside production) lists every static file when it is built: 22 ms per client,
    a sixth of the CPU of the view tests (cProfile of catalog and accounts). Found per
    request instead, as WhiteNoise does in development; what a request gets is the same."""
    from django.conf import settings

    settings.WHITENOISE_AUTOREFRESH = True


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


# The README's screenshots, refreshed only when asked (``make screenshots``).
SCREENSHOTS = Path(__file__).resolve().parent / "docs" / "screenshots"


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where browser tests save the screenshots shown in the README: ``docs/screenshots``
    with ``FANLOOP_SCREENSHOTS=1``, else a temporary folder (the screenshots are still
    taken, so that code runs, but a test run leaves the tree clean)."""
    if os.environ.get("FANLOOP_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


# --- durable workflows -----------------------------------------------------
@pytest.fixture
def dbos_runtime(transactional_db: None, tmp_path: Path) -> Iterator[None]:
    """DBOS launched in this process with every fanloop workflow registered, on a fresh
    SQLite system database; destroyed after the test. Workflow threads use their own
    database connections, so tests using it see committed data only (transactional_db)."""
    from dbos import DBOS

    from fanloop.fulfillment.workflows import forget_queues
    from fanloop.ops.worker import NOTIFICATION_POLL_SECONDS, register_workflows

    register_workflows()
    forget_queues()
    DBOS(
        config={
            "name": "fanloop",
            "system_database_url": f"sqlite:///{tmp_path / 'dbos.sqlite3'}",
            "executor_id": "test-worker",
            "log_level": "WARNING",
            # As a worker does (DBOS.destroy waits out the SQLite notification poller's
            # sleep: 1 s by default, a second of every such test).
            "notification_listener_polling_interval_sec": NOTIFICATION_POLL_SECONDS,
        }
    )
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy(destroy_registry=False)
