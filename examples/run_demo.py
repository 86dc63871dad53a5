"""Start the demo dashboard for one host and print its URL.

`make demo` runs this (`make demo HOST=dash|panel` for the others): DEMO_HOST picks the host,
ROWS the number of generated flights (default 1M), PORT the port. The apps themselves read HOST as
the address to bind, so it is set to the loopback address here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def command(host: str, port: int) -> list[str]:
    if host == "streamlit":
        return [sys.executable, "-m", "streamlit", "run", str(HERE / "streamlit_app.py"),
                "--server.port", str(port), "--server.headless", "true",
                "--browser.gatherUsageStats", "false"]
    if host == "dash":
        return [sys.executable, str(HERE / "dash_app.py")]
    if host == "panel":
        return [sys.executable, str(HERE / "panel_app.py")]
    raise SystemExit(f"HOST must be streamlit, dash or panel, not {host!r}")


def main() -> None:
    host = os.environ.get("DEMO_HOST", "streamlit")
    port = int(os.environ.get("PORT", "8501"))
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    print(f"vegafusion-suite demo ({host}, {int(os.environ.get('ROWS', '1000000')):,} flights): "
          f"open http://127.0.0.1:{port}/", flush=True)
    sys.exit(subprocess.call(command(host, port), env=env))


if __name__ == "__main__":
    main()
