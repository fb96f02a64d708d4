#!/usr/bin/env python
from __future__ import annotations

from fanloop.cli import main

if __name__ == "__main__":
    main(["manage", *__import__("sys").argv[1:]])
