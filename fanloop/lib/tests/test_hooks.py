"""Hooks after a write (``lib/hooks.py``) and the rule that no business write runs in a
model signal (docs/ARCHITECTURE.md, "Model signals")."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from fanloop.lib.hooks import Hooks

# The one kind of model signal receiver allowed: forgetting cached public pages.
ALLOWED_RECEIVERS = {
    "fanloop.campaigns.signals._release_changed",
    "fanloop.campaigns.signals._artist_changed",
}


def test_hooks_run_in_name_order_and_a_name_registered_again_replaces_it() -> None:
    seen: list[str] = []
    hooks: Hooks[int] = Hooks("test")
    hooks.register("b", lambda n: seen.append(f"b{n}"))
    hooks.register("a", lambda n: seen.append(f"a{n}"))
    hooks.register("b", lambda n: seen.append(f"B{n}"))
    hooks.run(1)
    assert seen == ["a1", "B1"]
    assert hooks.names() == ["a", "b"]


def test_no_fanloop_model_signal_receiver_but_the_page_cache() -> None:
    found: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("fanloop."):
            continue
        for signal in (pre_save, post_save, pre_delete, post_delete):
            for receiver in signal._live_receivers(model)[0]:
                name = f"{receiver.__module__}.{receiver.__qualname__}"
                if name.startswith("fanloop."):
                    found.add(name)
    assert found <= ALLOWED_RECEIVERS, sorted(found - ALLOWED_RECEIVERS)
    assert found, "the page-cache receivers are connected"


def test_fulfillment_messaging_and_fans_register_their_hooks() -> None:
    from fanloop.catalog.hooks import artist_deleting, release_saved
    from fanloop.fans.presaves import presave_created
    from fanloop.lib.mail import workspace_mail

    assert "fulfillment.schedule" in release_saved.names()
    assert "fulfillment.schedule" in presave_created.names()
    assert "messaging.mailbox" in workspace_mail.names()
    assert "fans.consented" in artist_deleting.names()
