"""Provisioning: one database and login role per service, migrations, the stream, keys, tokens."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import API_AUDIENCE, ISSUER, mint
from shared.db import migrate
from shared.service import PLATFORM_MIGRATIONS
from shared.stream import ensure_streams

SERVICES = ("intake", "assessment", "disbursement", "audit", "web")
# The services whose API takes bearer tokens; the web takes people's sessions instead.
API_SERVICES = ("intake", "assessment", "disbursement", "audit")
SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
# The audit log's tables belong to an owner role the running service never uses, so the
# service's own role can only read and append (contract §4 audit).
OWNER_SEPARATED = frozenset({"audit"})

DEMO_USERS: dict[str, dict[str, object]] = {
    "caseworker-a": {"name": "Caseworker A", "roles": ["caseworker"], "org": "org-a"},
    "caseworker-b": {"name": "Caseworker B", "roles": ["caseworker"], "org": "org-b"},
    "medical-1": {"name": "Medical Assessor 1", "roles": ["medical_assessor"]},
    "legal-1": {"name": "Legal Assessor 1", "roles": ["legal_assessor"]},
    "manager-1": {"name": "Fund Manager 1", "roles": ["fund_manager"]},
    "manager-2": {"name": "Fund Manager 2", "roles": ["fund_manager"]},
    "finance-1": {"name": "Finance Officer 1", "roles": ["finance"]},
    "finance-2": {"name": "Finance Officer 2", "roles": ["finance"]},
    "auditor-1": {"name": "Auditor 1", "roles": ["auditor"]},
    "admin-1": {"name": "Admin 1", "roles": ["admin"]},
    "orgadmin-a": {"name": "Org Admin A", "roles": ["org_admin"], "org": "org-a"},
    "donor-1": {"name": "Donor 1", "roles": ["donor"], "donor": "Demo Donor"},
}
# The partner organisations of the demo users (the web service's own records of them).
DEMO_ORGANISATIONS = {
    "org-a": ("Partner Organisation A", "LB"),
    "org-b": ("Partner Organisation B", "UA"),
}


@dataclass(frozen=True)
class ServiceDb:
    service: str
    database: str
    role: str
    password: str
    owner_role: str
    owner_password: str


def _secret(path: Path, make: bytes | None = None) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make if make is not None else secrets.token_urlsafe(24).encode())
        path.chmod(0o600)
    return path.read_bytes().strip()


def service_db(secrets_dir: Path, service: str, prefix: str = "vfund") -> ServiceDb:
    role = f"{prefix}_{service}"
    owner = f"{role}_owner" if service in OWNER_SEPARATED else role
    password = _secret(secrets_dir / f"db_{role}").decode()
    owner_password = _secret(secrets_dir / f"db_{owner}").decode()
    return ServiceDb(service, role, role, password, owner, owner_password)


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe identifier {name!r}")
    return f'"{name}"'


async def _ensure_role(conn: asyncpg.Connection[asyncpg.Record], role: str, password: str) -> None:
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    verb = "ALTER" if exists else "CREATE"
    # Passwords are ours (token_urlsafe): no quote can appear in them.
    await conn.execute(f"{verb} ROLE {_ident(role)} LOGIN PASSWORD '{password}'")


async def provision_database(admin_dsn: str, db: ServiceDb, host_dsn: str) -> tuple[str, str]:
    """Create the role(s) and database, migrate; returns (service DSN, owner DSN)."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        await _ensure_role(conn, db.role, db.password)
        if db.owner_role != db.role:
            await _ensure_role(conn, db.owner_role, db.owner_password)
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", db.database):
            await conn.execute(
                f"CREATE DATABASE {_ident(db.database)} OWNER {_ident(db.owner_role)}"
            )
        await conn.execute(f"REVOKE ALL ON DATABASE {_ident(db.database)} FROM PUBLIC")
        await conn.execute(f"GRANT CONNECT ON DATABASE {_ident(db.database)} TO {_ident(db.role)}")
    finally:
        await conn.close()
    owner_dsn = host_dsn.format(
        user=db.owner_role, password=db.owner_password, database=db.database
    )
    service_dsn = host_dsn.format(user=db.role, password=db.password, database=db.database)
    await migrate_service(db.service, owner_dsn)
    if db.owner_role != db.role:
        owner = await asyncpg.connect(owner_dsn)
        try:
            await owner.execute(
                f"GRANT USAGE ON SCHEMA public TO {_ident(db.role)};"
                f" GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {_ident(db.role)};"
                f" GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {_ident(db.role)};"
                f" GRANT UPDATE, DELETE ON outbox TO {_ident(db.role)};"
                f" GRANT UPDATE ON idempotency_keys TO {_ident(db.role)};"
            )
            extra = SERVICES_DIR / db.service / "migrations" / "grants.sql"
            if extra.exists():
                await owner.execute(extra.read_text().replace(":role", _ident(db.role)))
        finally:
            await owner.close()
    return service_dsn, owner_dsn


async def migrate_service(service: str, dsn: str) -> list[str]:
    applied = await migrate(dsn, PLATFORM_MIGRATIONS)
    applied += await migrate(dsn, SERVICES_DIR / service / "migrations")
    return applied


async def provision_stream(nats_url: str, *, replicas: int = 1) -> None:
    nc = await nats.connect(nats_url.split(","))
    try:
        await ensure_streams(nc.jetstream(), replicas=replicas)
    finally:
        await nc.close()


@dataclass(frozen=True)
class Keys:
    token_private: Path
    token_public: Path
    audit_private: Path
    audit_public: Path
    master_key: Path
    blind_index_key: Path
    # The web service signs the signed-in user's tokens with its own key (contract section 7).
    web_private: Path
    web_public: Path


def _ed25519_pair(private: Path, public: Path) -> None:
    if private.exists() and public.exists():
        return
    key = Ed25519PrivateKey.generate()
    _secret(
        private,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def ensure_keys(keys_dir: Path) -> Keys:
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    keys = Keys(
        token_private=keys_dir / "token_signing.pem",
        token_public=keys_dir / "token_signing.pub.pem",
        audit_private=keys_dir / "audit_signing.pem",
        audit_public=keys_dir / "audit_signing.pub.pem",
        master_key=keys_dir / "master.key",
        blind_index_key=keys_dir / "blind_index.key",
        web_private=keys_dir / "web_token_signing.pem",
        web_public=keys_dir / "web_token_signing.pub.pem",
    )
    _ed25519_pair(keys.token_private, keys.token_public)
    _ed25519_pair(keys.audit_private, keys.audit_public)
    _ed25519_pair(keys.web_private, keys.web_public)
    _secret(keys.master_key, b"mk-dev-1:" + base64.b64encode(secrets.token_bytes(32)))
    _secret(keys.blind_index_key, base64.b64encode(secrets.token_bytes(32)))
    return keys


def demo_tokens(
    private_key_pem: Path,
    *,
    ttl_seconds: int = 12 * 3600,
    audience: str = API_AUDIENCE,
    issuer: str = ISSUER,
) -> dict[str, str]:
    """A token per demo user, for the audience and issuer the launcher gives the services."""
    from shared.auth import load_private_key

    key = load_private_key(private_key_pem)
    return {
        user: mint(
            key,
            sub=user,
            name=str(spec["name"]),
            roles=[str(r) for r in spec["roles"]],  # type: ignore[attr-defined]
            org=str(spec["org"]) if "org" in spec else None,
            ttl_seconds=ttl_seconds,
            audience=audience,
            issuer=issuer,
            **({"donor": str(spec["donor"])} if "donor" in spec else {}),
        )
        for user, spec in DEMO_USERS.items()
    }


def demo_passwords(secrets_dir: Path) -> dict[str, str]:
    """A generated password per demo user, kept under the secrets folder (mode 0600)."""
    return {user: _secret(secrets_dir / f"web_password_{user}").decode() for user in DEMO_USERS}


async def provision_web_accounts(
    dsn: str, keys: Keys, secrets_dir: Path, *, with_totp: bool
) -> dict[str, str]:
    """The demo organisations and an account per demo user in the web service's database.
    With `with_totp`, each new account gets a second factor whose secret is kept beside its
    password (`web_totp_<user>`), for the tests. Returns the passwords."""
    from services.web.seed import SeedAccount, SeedOrganisation, seed

    passwords = demo_passwords(secrets_dir)
    created = await seed(
        dsn,
        keys.web_private,
        organisations=[SeedOrganisation(o, n, c) for o, (n, c) in DEMO_ORGANISATIONS.items()],
        accounts=[
            SeedAccount(
                username=user,
                display_name=str(spec["name"]),
                roles=tuple(str(r) for r in spec["roles"]),  # type: ignore[attr-defined]
                org_id=str(spec["org"]) if "org" in spec else None,
                donor=str(spec["donor"]) if "donor" in spec else None,
            )
            for user, spec in DEMO_USERS.items()
        ],
        passwords=passwords,
        with_totp=with_totp,
    )
    for user, secret in created.items():
        path = secrets_dir / f"web_totp_{user}"
        path.write_text(secret)
        path.chmod(0o600)
    return passwords
