"""`vfund audit verify`: an audit log export checked offline against signed tree heads."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import orjson
from cryptography.exceptions import UnsupportedAlgorithm

from services.audit.domain.heads import load_public_key
from services.audit.verifier.verdict import verify_export

# Below this, starting processes costs more than it saves.
PARALLEL_FROM_BYTES = 16 * 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    """`vfund audit verify <export.jsonl> --public-key <pem> [--tree-head <json>]...`."""
    parser = argparse.ArgumentParser(
        prog="vfund audit verify", description="Verify an audit log export offline."
    )
    parser.add_argument("export", help="JSONL export from GET /export ('-' for stdin)")
    parser.add_argument("--public-key", required=True, help="PEM SubjectPublicKeyInfo (Ed25519)")
    parser.add_argument(
        "--tree-head", action="append", default=[], help="JSON file: one signed tree head or a list"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes hashing an export file of 16 MB or more (default: one per CPU)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    try:
        with open(args.public_key, "rb") as pem_file:
            pem = pem_file.read()
        load_public_key(pem)
        heads = [head for path in args.tree_head for head in _read_heads(path)]
        workers = args.workers or os.cpu_count() or 1
        if args.export == "-":  # streamed in one process: memory stays bounded by a chunk
            result = verify_export(sys.stdin.buffer, pem, heads, workers=1)
        else:
            with open(args.export, "rb") as export:
                small = os.fstat(export.fileno()).st_size < PARALLEL_FROM_BYTES
                if small or workers == 1:
                    result = verify_export(export, pem, heads, workers=1)
                else:  # the workers share the file's bytes; reading them at once is the fastest
                    result = verify_export(export.read(), pem, heads, workers=workers)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
        print(f"vfund audit verify: {error}", file=sys.stderr)
        return 2
    print(result.message)
    return 0 if result.ok else 1


def _read_heads(path: str) -> list[dict[str, Any]]:
    with open(path, "rb") as file:
        content = orjson.loads(file.read())
    heads = content if isinstance(content, list) else [content]
    if not all(isinstance(head, dict) for head in heads):
        raise ValueError(f"{path}: expected a tree head object or a list of them")
    return heads
