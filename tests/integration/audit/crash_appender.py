"""Appends to an audit log until killed, printing `index entry_hash` after each commit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from audit.log import AuditLog


def main() -> None:
    url, key_path = sys.argv[1], Path(sys.argv[2])
    log = AuditLog.open(url, "acme.example/audit", key_path, "acme", checkpoint_every=5)
    count = 0
    while True:
        receipt = log.append("ledger_movement", {"pid": os.getpid(), "n": count}, ["movement_id"])
        # Printed only once append() returned, i.e. after the commit: an acknowledgement.
        sys.stdout.write(f"{receipt.leaf_index} {receipt.entry_hash.hex()}\n")
        sys.stdout.flush()
        count += 1


if __name__ == "__main__":
    main()
