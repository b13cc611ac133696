"""The event catalogue is complete and the deployment files say what production needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from shared.events import CATALOGUE, subjects
from shared.events.envelope import event_type

ROOT = Path(__file__).resolve().parents[2]


def test_every_subject_constant_is_in_the_catalogue() -> None:
    constants = {
        v
        for k, v in vars(subjects).items()
        if k.isupper() and isinstance(v, str) and v.startswith("vfund.") and not v.endswith(">")
    }
    assert constants == set(CATALOGUE)


def test_event_types_follow_the_contract() -> None:
    assert event_type("vfund.intake.case.submitted") == "org.vfund.intake.case.submitted.v1"
    assert subjects.deadletter("audit") == "vfund.deadletter.audit"


def test_compose_runs_a_three_node_cluster_postgres_and_the_four_services() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert {
        "nats-1",
        "nats-2",
        "nats-3",
        "postgres",
        "intake",
        "assessment",
        "disbursement",
        "audit",
    } <= set(services)
    for name in ("intake", "assessment", "disbursement", "audit"):
        svc = services[name]
        assert svc["command"] == ["python", "-m", f"services.{name}"]
        assert "healthcheck" in svc
        env = svc["environment"]
        assert env["VFUND_STREAM_REPLICAS"] == "3"
        assert env["VFUND_NATS_URL"].count("nats://") == 3
        # Secrets come from the environment, never from the file.
        assert "${" in env["VFUND_DATABASE_URL"]
        # Tokens are checked for their audience and issuer, always (a service refuses to start
        # without them), and live at most 12 hours.
        assert env["VFUND_JWT_AUDIENCE"] and env["VFUND_JWT_ISSUER"]
        assert int(env["VFUND_JWT_MAX_LIFETIME_SECONDS"]) <= 12 * 3600


def test_compose_publishes_the_api_port_alone() -> None:
    """/metrics and the docs answer on the ops port only, which no service publishes."""
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    for name in ("intake", "assessment", "disbursement", "audit"):
        svc = services[name]
        ops = svc["environment"]["VFUND_OPS_PORT"]
        assert ops and ops != "8000"
        published = [str(p) for p in svc.get("ports", [])]
        assert published and all(p.split(":")[-1] == "8000" for p in published), published
        assert all(ops not in p for p in published)
        assert "expose" not in svc
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "VFUND_OPS_PORT=9000" in dockerfile
    assert [line for line in dockerfile.splitlines() if line.startswith("EXPOSE")] == [
        "EXPOSE 8000"
    ]
    assert "${" in services["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_nats_nodes_are_clustered_with_fsync_always() -> None:
    for n in (1, 2, 3):
        conf = (ROOT / "deploy" / "nats" / f"nats-{n}.conf").read_text()
        assert "sync_interval: always" in conf
        assert conf.count("nats-route://") == 3
        assert f'server_name: "nats-{n}"' in conf


def test_one_image_serves_every_service() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "USER vfund" in dockerfile
    assert 'CMD ["python", "-m", "services.intake"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
