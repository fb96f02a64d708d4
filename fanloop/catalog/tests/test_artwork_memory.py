"""A 6000x6000 cover no longer costs the web process hundreds of megabytes: it is decoded
and re-encoded in a child process (``catalog.artwork``), measured here in a fresh process
(peak resident memory, VmHWM). Figures: bench/artwork_memory.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[3]

MEASURE = """
import io, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanloop.settings")
import django
django.setup()
from fanloop.catalog.validators import process_artwork

def mem():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM")}

data = open(sys.argv[1], "rb").read()
before = mem()
out = process_artwork(io.BytesIO(data))
after = mem()
print(json.dumps({"peak_growth_mb": after["VmHWM"] - before["VmRSS"], "bytes": out.size}))
"""


def test_a_6000px_png_leaves_the_web_process_peak_memory_alone(tmp_path: Path) -> None:
    ramp = Image.linear_gradient("L").resize((6000, 6000))
    cover = tmp_path / "cover.png"
    Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_90), ramp)).save(cover)
    del ramp
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["FANLOOP_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(cover)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["bytes"] > 0
    # Decoding in the process itself raised its peak by ~410 MB (bench/artwork_memory.py).
    assert figures["peak_growth_mb"] < 60, figures
