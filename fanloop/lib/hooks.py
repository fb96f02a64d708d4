"""What a higher app does after a lower app's service writes (a release saved, a pre-save made).

The lower app's service calls ``run`` explicitly, inside its own transaction, after its
write; each higher app registers its hook when it loads (``AppConfig.ready``). Unlike a
model signal, a hook runs only when the named service writes, never on any ``save()``
anywhere (admin, bulk loads, fixtures), and the lower app imports no higher app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
Hook = Callable[[T], None]


class Hooks(Generic[T]):
    def __init__(self, what: str) -> None:
        self.what = what
        self._hooks: dict[str, Hook[T]] = {}

    def register(self, name: str, hook: Hook[T]) -> None:
        """Add ``hook`` under ``name`` (registering a name again replaces it)."""
        self._hooks[name] = hook

    def names(self) -> list[str]:
        return sorted(self._hooks)

    def run(self, subject: T) -> None:
        """Call every hook with ``subject``, in name order."""
        for name in self.names():
            self._hooks[name](subject)
