"""`vfund`: operator commands — provision, mint demo tokens, verify an audit export offline."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from dev.provision import (
    SERVICES,
    demo_tokens,
    provision_database,
    provision_stream,
    service_db,
)
from shared.auth import API_AUDIENCE, ISSUER


class ProvisionSettings(BaseSettings):
    """What `vfund provision` reads from the environment (a deployment's orchestrator sets it)."""

    model_config = SettingsConfigDict(env_prefix="VFUND_", extra="ignore")

    database_url: str | None = None  # a superuser DSN
    nats_url: str | None = None
    secrets_dir: Path | None = None
    stream_replicas: int = 1
    # In a deployment the passwords come from the orchestrator's secrets, the same ones the
    # services connect with; unset, the ones generated under the secrets folder are used.
    intake_db_password: str | None = None
    assessment_db_password: str | None = None
    disbursement_db_password: str | None = None
    audit_db_password: str | None = None
    audit_owner_db_password: str | None = None

    def password_of(self, service: str, *, owner: bool = False) -> str | None:
        value = getattr(self, f"{service}_{'owner_' if owner else ''}db_password", None)
        return value if isinstance(value, str) else None


def _provision(args: argparse.Namespace) -> int:
    settings = ProvisionSettings()
    admin, nats_url = settings.database_url, settings.nats_url
    if not admin or not nats_url:
        print("set VFUND_DATABASE_URL (superuser DSN) and VFUND_NATS_URL", file=sys.stderr)
        return 2
    secrets_dir = settings.secrets_dir or Path(args.secrets)
    host = (
        "postgresql://{user}:{password}@" + admin.split("@", 1)[1].split("/", 1)[0] + "/{database}"
    )

    async def run() -> None:
        await provision_stream(nats_url, replicas=settings.stream_replicas)
        for name in SERVICES:
            db = service_db(secrets_dir, name)
            password = settings.password_of(name) or db.password
            separate_owner = db.owner_role != db.role
            owner_password = settings.password_of(name, owner=True) or (
                db.owner_password if separate_owner else password
            )
            db = dataclasses.replace(db, password=password, owner_password=owner_password)
            await provision_database(admin, db, host)
            print(f"provisioned {name}")

    asyncio.run(run())
    return 0


def _tokens(args: argparse.Namespace) -> int:
    tokens = demo_tokens(
        Path(args.key), ttl_seconds=args.ttl, audience=args.audience, issuer=args.issuer
    )
    for user, token in tokens.items():
        if args.user in (None, user):
            print(f"{user}\t{token}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["audit", "verify"]:
        from services.audit.verify import main as verify

        return verify(argv[2:])
    parser = argparse.ArgumentParser(prog="vfund")
    commands = parser.add_subparsers(dest="command", required=True)
    prov = commands.add_parser("provision", help="roles, databases, migrations and the stream")
    prov.add_argument("--secrets", default=".vfund/secrets")
    prov.set_defaults(func=_provision)
    tok = commands.add_parser("tokens", help="mint the demo users' tokens")
    tok.add_argument("--key", default=".vfund/keys/token_signing.pem")
    tok.add_argument("--user")
    tok.add_argument("--ttl", type=int, default=12 * 3600)
    tok.add_argument("--audience", default=API_AUDIENCE, help="the services' VFUND_JWT_AUDIENCE")
    tok.add_argument("--issuer", default=ISSUER, help="the services' VFUND_JWT_ISSUER")
    tok.set_defaults(func=_tokens)
    commands.add_parser("audit", help="audit verify <export.jsonl> --public-key <pem>")
    args = parser.parse_args(argv)
    if args.command == "audit":
        parser.error(
            "usage: vfund audit verify <export.jsonl> --public-key <pem> [--tree-head <json>]"
        )
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
