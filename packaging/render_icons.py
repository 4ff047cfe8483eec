"""Render the app icon SVG into the PNG sizes desktops ask for, plus .ico and .icns.

The SVG under resources/icons/hicolor/scalable/apps is the source of truth; the PNGs, the
Windows .ico and the macOS .icns are committed (so a checkout or a bundle never needs a
renderer) and regenerated with ``.venv/bin/python packaging/render_icons.py`` whenever the
SVG changes. The PNGs use the freedesktop hicolor layout so install.sh copies the tree as is.
The .ico/.icns containers hold PNG payloads, which Windows Vista+ and macOS 10.7+ read; they
are packed here by hand so no Pillow/iconutil is needed on the Linux build machine.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns element types that carry PNG data, by pixel size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
ICON_NAME = "pixel-desktop"
ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
HICOLOR = ICONS / "hicolor"
SVG = HICOLOR / "scalable" / "apps" / f"{ICON_NAME}.svg"


def png_path(size: int, out_root: Path = HICOLOR) -> Path:
    return out_root / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"


def render_pngs(svg: Path = SVG, out_root: Path = HICOLOR, sizes=SIZES) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG; fix it and run again.")
    pngs: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise SystemExit(f"Could not encode the {size}px PNG.")
        buffer.close()
        pngs[size] = bytes(data.data())
        dest = png_path(size, out_root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(pngs[size])
    return pngs


def pack_ico(pngs: dict[int, bytes]) -> bytes:
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, payload = b"", b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + entries + payload


def pack_icns(pngs: dict[int, bytes]) -> bytes:
    body = b""
    for size, kind in sorted(ICNS_TYPES.items()):
        data = pngs[size]
        body += kind + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    pngs = render_pngs(sizes=tuple(sorted(set(SIZES) | set(ICO_SIZES) | set(ICNS_TYPES))))
    (ICONS / f"{ICON_NAME}.ico").write_bytes(pack_ico({s: pngs[s] for s in ICO_SIZES}))
    (ICONS / f"{ICON_NAME}.icns").write_bytes(pack_icns(pngs))
    for size in SIZES:
        print(png_path(size).relative_to(ROOT))
    print(f"resources/icons/{ICON_NAME}.ico\nresources/icons/{ICON_NAME}.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
