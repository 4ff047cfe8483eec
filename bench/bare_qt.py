"""The start-up baseline: a bare PySide6 script that shows an empty QMainWindow and grabs it.

Same interpreter, same Qt platform and the same window size as `pixel-desktop --screenshot`,
so the ratio isolates what the app adds (imports, store, widgets, first data load).
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    ok = window.grab().save(sys.argv[1])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
