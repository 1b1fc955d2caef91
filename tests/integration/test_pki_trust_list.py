"""The trust list in the database: changes are audited with actor and address, suspension takes
effect at once, fetched CRLs are kept and renewed by the worker before they expire."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.audit.service import verify_chain
from prex.bootstrap import Services
from prex.pki.certs import parse_certificate
from prex.pki.orm import cached_crls
from prex.pki.path import CertificateRefused, Reason
from prex.pki.service import add_cas, set_ca_status
from prex.pki.trust import Purpose
from prex.shared.clock import FixedClock
from prex.shared.errors import InvalidTransition, PermissionDenied
from prex.worker import run_once
from tests.factories import ADMIN_ACTOR
from tests.pki_helpers import OPERATOR, trust_world
from tests.pki_openssl import PkiWorld, openssl


def leaf(world: PkiWorld, name: str) -> object:
    return parse_certificate(world.leaves[name].cert.read_bytes())


def test_changes_are_audited_and_take_effect_at_once(
    services: Services, pki_world: PkiWorld
) -> None:
    ids = trust_world(services, pki_world, "ecdsa", "ecdsa-int")
    cert = leaf(pki_world, "ecdsa-org")
    services.pki.verify(cert, purpose=Purpose.SIGNING)  # type: ignore[arg-type]
    set_ca_status(services.uow(OPERATOR), ids["ecdsa"], "suspended", "根证书密钥托管检查")
    with pytest.raises(CertificateRefused) as refused:
        services.pki.verify(cert, purpose=Purpose.SIGNING)  # type: ignore[arg-type]
    assert refused.value.reason is Reason.CA_SUSPENDED
    set_ca_status(services.uow(OPERATOR), ids["ecdsa"], "active", "检查通过")
    services.pki.verify(cert, purpose=Purpose.SIGNING)  # type: ignore[arg-type]
    set_ca_status(services.uow(OPERATOR), ids["ecdsa"], "withdrawn")
    with pytest.raises(InvalidTransition):
        set_ca_status(services.uow(OPERATOR), ids["ecdsa"], "active")

    with services.read_session() as session:
        rows = session.execute(
            select(
                audit_log.c.action,
                audit_log.c.actor_label,
                audit_log.c.address,
                audit_log.c.payload,
            ).where(audit_log.c.object_type == "ca")
        ).all()
        assert verify_chain(session).ok
    assert [r.action for r in rows].count("CaAdded") == 2
    changes = [r for r in rows if r.action == "CaStatusChanged"]
    assert [c.payload["event"]["status"] for c in changes] == ["suspended", "active", "withdrawn"]
    assert all(r.address == "10.0.0.7" and r.actor_label == "operator (test)" for r in changes)


def test_only_operators_and_administrators_manage_the_list(
    services: Services, pki_world: PkiWorld
) -> None:
    from prex.identity.policy import Actor, Role

    bidder = Actor(user_id="b", label="bidder", roles=frozenset({Role.BIDDER}))
    with pytest.raises(PermissionDenied):
        add_cas(services.uow(bidder), pki_world.cas["rsa"].cert.read_bytes())
    assert add_cas(services.uow(ADMIN_ACTOR), pki_world.cas["rsa"].cert.read_bytes())[0].added


def test_the_worker_renews_a_crl_before_it_expires(
    services: Services, clock: FixedClock, pki_world: PkiWorld
) -> None:
    trust_world(services, pki_world, "rsa", "rsa-int")
    services.pki.verify(leaf(pki_world, "rsa-org"), purpose=Purpose.LOGIN)  # type: ignore[arg-type]
    with services.read_session() as session:
        before = dict(session.execute(select(cached_crls.c.url, cached_crls.c.crl_number)).all())
    assert len(before) == 2 and all(url for url in before)
    assert run_once(services).crls == 0  # nothing is due yet

    # the issuing CA publishes a new CRL; shortly before the old one expires the worker fetches it
    ca_dir = pki_world.ca_dir("rsa-int")
    pem = pki_world.base / "renewed.pem"
    openssl(
        "ca",
        "-config",
        ca_dir / "openssl.cnf",
        "-gencrl",
        "-out",
        pem,
        "-crl_lastupdate",
        "20260201000000Z",
        "-crl_nextupdate",
        "20400101000000Z",
    )
    openssl("crl", "-in", pem, "-outform", "DER", "-out", pki_world.crls["rsa-int"])
    clock.set(datetime(2039, 12, 31, 23, 30, tzinfo=UTC))
    assert run_once(services).crls == 1
    assert run_once(services).crls == 0  # no retry storm: the next attempt waits
    with services.read_session() as session:
        after = dict(session.execute(select(cached_crls.c.url, cached_crls.c.crl_number)).all())
        stored = session.execute(
            select(audit_log.c.actor_label)
            .where(audit_log.c.action == "CrlStored")
            .order_by(audit_log.c.seq)
        ).all()
    renewed = f"{pki_world.crl_base_url}/rsa-int.crl"
    assert int(after[renewed]) == int(before[renewed]) + 1
    assert len(stored) == 3 and {r.actor_label for r in stored} == {"system"}
