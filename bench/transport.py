"""Transport benchmarks (issue 7): AS2 receive/decrypt/verify/MDN and SFTP pickup.

Runs bench/transport_as2.py (1 MB and 10 MB payloads) and bench/transport_sftp.py
(1,000 files from one inbox; 10 partners) one after the other; each prints its own figures
beside a baseline measured in the same process.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for script, args in (("transport_as2.py", ["--sizes", "1,10", "--runs", "3"]),
                         ("transport_sftp.py", [])):
        print(f"== {script}", flush=True)
        status |= subprocess.call([sys.executable, str(HERE / script), *args])
    return status


if __name__ == "__main__":
    sys.exit(main())
