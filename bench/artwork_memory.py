"""Memory of a web process that re-encodes a 6000x6000 artwork upload.

Each measurement runs in a fresh Python process with Django set up: its peak resident
memory (VmHWM) and resident memory afterwards (VmRSS), before and after processing one
PNG and one WebP cover. The reference decodes in the process itself (the code before
artwork moved to a child process); ``process_artwork`` is what uploads go through now.
Prints progress on stderr and one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIDE = 6000

MEASURE = """
import io, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanloop.settings")
import django
django.setup()
from fanloop.catalog import artwork
from fanloop.catalog.validators import ARTWORK_JPEG_QUALITY, ARTWORK_SIZE_PX, process_artwork

def mem():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM")}

data = open(sys.argv[2], "rb").read()
before = mem()
if sys.argv[1] == "in_process":
    artwork.render(data, ARTWORK_SIZE_PX, ARTWORK_JPEG_QUALITY)
else:
    process_artwork(io.BytesIO(data))
after = mem()
print(json.dumps({"peak_growth_mb": after["VmHWM"] - before["VmRSS"],
                  "rss_growth_mb": after["VmRSS"] - before["VmRSS"]}))
"""


def _image(path: Path, fmt: str) -> None:
    from PIL import Image

    ramp = Image.linear_gradient("L").resize((SIDE, SIDE))
    Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_90), ramp)).save(path, fmt)


def _measure(mode: str, path: Path, data_dir: str) -> dict[str, int]:
    env = {**os.environ, "FANLOOP_DATA_DIR": data_dir}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, mode, str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0]).parse_args()
    result: dict[str, object] = {"bench": "artwork_memory", "side_px": SIDE}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("PNG", "WEBP"):
            path = Path(tmp) / f"cover.{fmt.lower()}"
            _image(path, fmt)
            for mode in ("in_process", "child_process"):
                figures = _measure(mode, path, str(Path(tmp) / "data"))
                print(f"{fmt} {mode}: {figures}", file=sys.stderr, flush=True)
                for key, value in figures.items():
                    result[f"{fmt.lower()}_{mode}_{key}"] = value
            reference = max(1, int(str(result[f"{fmt.lower()}_in_process_peak_growth_mb"])))
            now = int(str(result[f"{fmt.lower()}_child_process_peak_growth_mb"]))
            result[f"{fmt.lower()}_peak_ratio"] = round(now / reference, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
