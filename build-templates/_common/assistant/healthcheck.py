"""Docker HEALTHCHECK without curl: exit 0 when the health endpoint answers 200."""

from __future__ import annotations

import sys
import urllib.request

from config import settings


def main() -> int:
    url = f"http://127.0.0.1:{settings.PORT}{settings.HEALTH_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except Exception as exc:  # any failure means unhealthy
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
