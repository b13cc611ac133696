"""`vfund audit verify`: an audit log export checked offline against signed tree heads.

Exit status: 0 every entry is proven (or, with --allow-unsigned, not contradicted); 1 an entry,
a tree head or the export's shape is wrong; 2 the command could not run (arguments, files);
3 the entries are consistent but not all covered by a signed tree head (unproven).
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from typing import Any

import orjson
from cryptography.exceptions import UnsupportedAlgorithm

from services.audit.domain.heads import load_public_key
from services.audit.settings import VerifierSettings
from services.audit.verifier.against import ServiceProofs
from services.audit.verifier.verdict import Against, Verdict, VerifyResult, verify_export

# Below this, starting processes costs more than it saves.
PARALLEL_FROM_BYTES = 16 * 1024 * 1024
EXIT_PROVEN, EXIT_FAILED, EXIT_USAGE, EXIT_UNPROVEN = 0, 1, 2, 3
EXIT_STATUS = {
    Verdict.OK: EXIT_PROVEN,
    Verdict.UNSIGNED: EXIT_PROVEN,  # only with --allow-unsigned
    Verdict.FAIL: EXIT_FAILED,
    Verdict.UNPROVEN: EXIT_UNPROVEN,
}


def main(argv: list[str] | None = None) -> int:
    """`vfund audit verify <export.jsonl> --public-key <pem> [--tree-head <json>]...`."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_PROVEN if exit_.code == 0 else EXIT_USAGE
    try:
        with ExitStack() as stack:
            result = _verify(args, stack)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
        print(f"vfund audit verify: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(result.message)
    return EXIT_STATUS[result.verdict]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vfund audit verify",
        description="Verify an audit log export offline: every entry, and the signed tree heads"
        " of its trailer (and any given) that prove it is the audit service's log.",
    )
    parser.add_argument("export", help="JSONL export from GET /export ('-' for stdin)")
    parser.add_argument("--public-key", required=True, help="PEM SubjectPublicKeyInfo (Ed25519)")
    parser.add_argument(
        "--tree-head",
        action="append",
        default=[],
        help="JSON file: one signed tree head or a list (in addition to the export's own)",
    )
    parser.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="exit 0 for entries no signed tree head covers (they are still reported)",
    )
    parser.add_argument(
        "--against",
        metavar="URL",
        help="the audit service whose inclusion proofs name the first entry that differs from a"
        " signed head when the export alone cannot",
    )
    parser.add_argument(
        "--token", help="bearer token for --against (default: the VFUND_TOKEN variable)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes hashing an export file of 16 MB or more (default: one per CPU)",
    )
    return parser


def _verify(args: argparse.Namespace, stack: ExitStack) -> VerifyResult:
    with open(args.public_key, "rb") as pem_file:
        pem = pem_file.read()
    load_public_key(pem)
    heads = [head for path in args.tree_head for head in _read_heads(path)]
    against = None
    if args.against:
        token = args.token or VerifierSettings().token
        proofs = stack.enter_context(ServiceProofs(args.against, token))
        against = Against(args.against, proofs.inclusion)
    options: dict[str, Any] = {"allow_unsigned": args.allow_unsigned, "against": against}
    workers = args.workers or os.cpu_count() or 1
    if args.export == "-":  # streamed in one process: memory stays bounded by a chunk
        return verify_export(sys.stdin.buffer, pem, heads, workers=1, **options)
    with open(args.export, "rb") as export:
        small = os.fstat(export.fileno()).st_size < PARALLEL_FROM_BYTES
        if small or workers == 1:
            return verify_export(export, pem, heads, workers=1, **options)
        # the workers share the file's bytes; reading them at once is the fastest
        return verify_export(export.read(), pem, heads, workers=workers, **options)


def _read_heads(path: str) -> list[dict[str, Any]]:
    with open(path, "rb") as file:
        content = orjson.loads(file.read())
    heads = content if isinstance(content, list) else [content]
    if not all(isinstance(head, dict) for head in heads):
        raise ValueError(f"{path}: expected a tree head object or a list of them")
    return heads
