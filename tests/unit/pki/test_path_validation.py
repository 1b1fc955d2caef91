"""Path validation against hierarchies made by the openssl CLI: each way a certificate can be
wrong is refused with its own reason; CRLs come over real HTTP, OCSP from `openssl ocsp`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from prex.pki.certs import Certificate, parse_certificate
from prex.pki.holder import IdentityMismatch, holder_of, require_organisation
from prex.pki.path import CertificateRefused, PathValidator, Reason
from prex.pki.revocation import MemoryCrlStore, RevocationChecker, http_fetch
from prex.pki.trust import ALL_PURPOSES, CaStatus, Purpose, TrustedCa, TrustList
from tests.pki_openssl import PkiWorld, free_port, ocsp_responder

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PROFILE = ("uscc:serialNumber", "person:serialNumber")
ANCHORS = ("rsa", "ecdsa", "sm2", "pathlen", "long")


def load(path: Path) -> Certificate:
    return parse_certificate(path.read_bytes())


def trust_list(world: PkiWorld, **changes: dict[str, object]) -> TrustList:
    entries = []
    for name in (*ANCHORS, "rsa-int", "ecdsa-int", "sm2-int"):
        entry = TrustedCa(name, load(world.cas[name].cert), CaStatus.ACTIVE, ALL_PURPOSES, PROFILE)
        entries.append(replace(entry, **changes.get(name, {})))  # type: ignore[arg-type]
    return TrustList(entries)


def validator(world: PkiWorld, trust: TrustList | None = None, **kw: object) -> PathValidator:
    checker = RevocationChecker(MemoryCrlStore(), http_fetch(5.0))
    return PathValidator(trust or trust_list(world), checker, **kw)  # type: ignore[arg-type]


def check(world: PkiWorld, leaf: str, v: PathValidator | None = None, **kw: object) -> object:
    issued = world.leaves[leaf]
    return (v or validator(world)).validate(
        load(issued.cert),
        purpose=kw.pop("purpose", Purpose.SIGNING),  # type: ignore[arg-type]
        now=kw.pop("now", T0),  # type: ignore[arg-type]
        intermediates=[load(p) for p in issued.chain],
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "leaf",
    ["rsa-org", "rsa-pss", "ecdsa-org", "ecdsa-p384", "sm2-org", "sm2-person", "sm2-emptyid"],
)
def test_certificates_of_every_algorithm_validate(pki_world: PkiWorld, leaf: str) -> None:
    path = check(pki_world, leaf)
    assert path.chain[-1].self_issued  # type: ignore[attr-defined]
    assert path.revocation == ("crl", "crl")  # type: ignore[attr-defined]


def test_a_bare_end_entity_certificate_validates_through_listed_intermediates(
    pki_world: PkiWorld,
) -> None:
    path = validator(pki_world).validate(
        load(pki_world.leaves["sm2-org"].cert), purpose=Purpose.LOGIN, now=T0
    )
    assert len(path.chain) == 3
    assert path.issuing_ca.id == "sm2-int"


@pytest.mark.parametrize(
    ("leaf", "reason"),
    [
        ("untrusted-org", Reason.UNTRUSTED),
        ("rsa-expired", Reason.EXPIRED),
        ("rsa-notyet", Reason.NOT_YET_VALID),
        ("rsa-revoked", Reason.REVOKED),
        ("sm2-revoked", Reason.REVOKED),
        ("rsa-wrong-ku", Reason.KEY_USAGE),
        ("pathlen-leaf", Reason.PATH_LENGTH),
        ("notca-leaf", Reason.NOT_A_CA),
        ("loop-leaf", Reason.LOOP),
        ("long-leaf", Reason.TOO_LONG),
    ],
)
def test_each_bad_certificate_is_refused_with_its_own_reason(
    pki_world: PkiWorld, leaf: str, reason: Reason
) -> None:
    with pytest.raises(CertificateRefused) as refused:
        check(pki_world, leaf)
    assert refused.value.reason is reason, refused.value.message


def test_a_suspended_or_withdrawn_ca_refuses_everything_below_it(pki_world: PkiWorld) -> None:
    for status, reason in (
        (CaStatus.SUSPENDED, Reason.CA_SUSPENDED),
        (CaStatus.WITHDRAWN, Reason.CA_WITHDRAWN),
    ):
        trust = trust_list(
            pki_world, **{"rsa-int": {"status": status, "status_reason": "审计发现问题"}}
        )
        with pytest.raises(CertificateRefused) as refused:
            check(pki_world, "rsa-org", validator(pki_world, trust))
        assert refused.value.reason is reason
    # suspending the root refuses the whole hierarchy, other hierarchies are unaffected
    trust = trust_list(pki_world, rsa={"status": CaStatus.SUSPENDED})
    with pytest.raises(CertificateRefused, match="suspended"):
        check(pki_world, "rsa-org", validator(pki_world, trust))
    check(pki_world, "sm2-org", validator(pki_world, trust))


def test_a_ca_trusted_only_for_login_does_not_vouch_for_signatures(pki_world: PkiWorld) -> None:
    trust = trust_list(pki_world, **{"ecdsa-int": {"purposes": (Purpose.LOGIN,)}})
    v = validator(pki_world, trust)
    check(pki_world, "ecdsa-org", v, purpose=Purpose.LOGIN)
    with pytest.raises(CertificateRefused) as refused:
        check(pki_world, "ecdsa-org", v, purpose=Purpose.SIGNING)
    assert refused.value.reason is Reason.PURPOSE


def test_validity_is_judged_at_the_requested_time(pki_world: PkiWorld) -> None:
    before_expiry = datetime(2025, 12, 1, tzinfo=UTC)
    check(pki_world, "rsa-expired", at=before_expiry)
    with pytest.raises(CertificateRefused) as refused:
        check(pki_world, "rsa-org", at=datetime(2036, 1, 1, tzinfo=UTC))
    assert refused.value.reason is Reason.EXPIRED


def test_unreachable_revocation_refuses_by_default_and_is_a_setting(
    pki_world: PkiWorld,
) -> None:
    def unreachable(url: str, body: bytes | None, limit: int) -> bytes:
        raise OSError("connection refused")

    trust = trust_list(pki_world)
    strict = PathValidator(trust, RevocationChecker(MemoryCrlStore(), unreachable))
    with pytest.raises(CertificateRefused) as refused:
        check(pki_world, "rsa-org", strict)
    assert refused.value.reason is Reason.REVOCATION_UNKNOWN
    assert "connection refused" in refused.value.message
    lenient = PathValidator(
        trust, RevocationChecker(MemoryCrlStore(), unreachable), refuse_unknown_revocation=False
    )
    assert check(pki_world, "rsa-org", lenient).revocation == ("none", "none")  # type: ignore[attr-defined]


def test_crls_are_fetched_once_and_then_served_from_the_cache(pki_world: PkiWorld) -> None:
    fetched: list[str] = []
    real = http_fetch(5.0)

    def counting(url: str, body: bytes | None, limit: int) -> bytes:
        fetched.append(url)
        return real(url, body, limit)

    v = PathValidator(trust_list(pki_world), RevocationChecker(MemoryCrlStore(), counting))
    for _ in range(3):
        check(pki_world, "ecdsa-org", v)
    assert sorted(fetched) == sorted(
        [f"{pki_world.crl_base_url}/ecdsa.crl", f"{pki_world.crl_base_url}/ecdsa-int.crl"]
    )


def test_ocsp_answers_from_an_openssl_responder_are_followed(pki_world: PkiWorld) -> None:
    now = datetime.now(UTC)
    port = int(pki_world.ocsp_url.rsplit(":", 1)[1].split("/")[0])
    with ocsp_responder(pki_world, "rsa-int", port):
        v = validator(pki_world)
        # the OCSP-only leaves name no CRL distribution point; the intermediate is on a CRL
        assert check(pki_world, "rsa-ocsp-good", v, now=now).revocation == ("ocsp", "crl")  # type: ignore[attr-defined]
        with pytest.raises(CertificateRefused) as refused:
            check(pki_world, "rsa-ocsp-revoked", v, now=now)
    assert refused.value.reason is Reason.REVOKED
    assert "OCSP" in refused.value.message


def test_without_a_responder_an_ocsp_only_certificate_cannot_be_checked(
    pki_world: PkiWorld,
) -> None:
    with pytest.raises(CertificateRefused) as refused:
        check(pki_world, "rsa-ocsp-revoked", now=datetime.now(UTC))
    assert refused.value.reason is Reason.REVOCATION_UNKNOWN
    assert free_port() > 0


@pytest.mark.parametrize(
    ("leaf", "rule"),
    [("rsa-ou", "uscc:OU"), ("rsa-cn", "uscc:CN"), ("rsa-orgid", "uscc:organizationIdentifier")],
)
def test_the_profile_says_where_the_credit_code_is(
    pki_world: PkiWorld, leaf: str, rule: str
) -> None:
    cert = load(pki_world.leaves[leaf].cert)
    with pytest.raises(IdentityMismatch):
        holder_of(cert, ("uscc:serialNumber",))
    holder = holder_of(cert, (rule,))
    assert (holder.kind, holder.code) == ("organisation", pki_world.uscc[leaf])


def test_personal_certificates_name_a_person_and_mask_the_number(pki_world: PkiWorld) -> None:
    holder = holder_of(load(pki_world.leaves["rsa-person"].cert), PROFILE)
    number = pki_world.person_ids["rsa-person"]
    assert holder.kind == "person" and holder.code == number
    assert number not in holder.display and holder.display.endswith(number[-4:])


def test_a_certificate_of_another_organisation_is_refused(pki_world: PkiWorld) -> None:
    holder = holder_of(load(pki_world.leaves["rsa-org"].cert), PROFILE)
    require_organisation(holder, pki_world.uscc["rsa-org"], "本单位")
    with pytest.raises(IdentityMismatch, match="is not that of"):
        require_organisation(holder, pki_world.uscc["ecdsa-org"], "别的单位")
    person = holder_of(load(pki_world.leaves["sm2-person"].cert), PROFILE)
    with pytest.raises(IdentityMismatch, match="personal certificate"):
        require_organisation(person, pki_world.uscc["sm2-org"], "某公司")


def _look_alikes(world: PkiWorld, count: int) -> list[Certificate]:
    """Self-signed certificates named like rsa-int, with keys of their own."""
    from prex.pki.issue import issue_certificate
    from prex.pki.keys import PrivateKey

    name = load(world.cas["rsa-int"].cert).x509.subject
    subject = [(attr.oid.dotted_string, str(attr.value)) for attr in name]
    fakes = []
    for _ in range(count):
        key = PrivateKey.generate("ec-p256")
        fakes.append(
            issue_certificate(
                subject=subject,
                subject_key=key.public_key(),
                issuer=None,
                issuer_key=key,
                not_before=datetime(2025, 1, 1, tzinfo=UTC),
                not_after=datetime(2030, 1, 1, tzinfo=UTC),
                ca=True,
            )
        )
    return fakes


def test_look_alike_intermediates_cannot_make_the_search_explode(
    pki_world: PkiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prex.pki.path as path_module

    trust = TrustList(
        [TrustedCa("rsa", load(pki_world.cas["rsa"].cert), CaStatus.ACTIVE, ALL_PURPOSES, PROFILE)]
    )
    real = load(pki_world.cas["rsa-int"].cert)
    leaf = load(pki_world.leaves["rsa-org"].cert)
    fakes = _look_alikes(pki_world, 70)
    # key identifiers rule the fakes out before any signature is checked
    path = validator(pki_world, trust).validate(
        leaf, purpose=Purpose.SIGNING, now=T0, intermediates=[*fakes, real]
    )
    assert path.chain[1] == real
    # and a search needing more signature checks than allowed stops with a reason
    monkeypatch.setattr(path_module, "MAX_SIGNATURE_CHECKS", 2)
    with pytest.raises(CertificateRefused) as refused:
        validator(pki_world, trust).validate(
            leaf, purpose=Purpose.SIGNING, now=T0, intermediates=[real]
        )
    assert refused.value.reason is Reason.TOO_LONG
    assert "candidate signatures" in refused.value.message


def test_an_unreachable_distribution_point_is_not_waited_on_again_at_once(
    pki_world: PkiWorld,
) -> None:
    attempts: list[str] = []

    def down(url: str, body: bytes | None, limit: int) -> bytes:
        attempts.append(url)
        raise OSError("timed out")

    v = PathValidator(trust_list(pki_world), RevocationChecker(MemoryCrlStore(), down))
    for _ in range(3):
        with pytest.raises(CertificateRefused) as refused:
            check(pki_world, "ecdsa-org", v)
        assert refused.value.reason is Reason.REVOCATION_UNKNOWN
    assert attempts == [f"{pki_world.crl_base_url}/ecdsa.crl"]  # once, then remembered
    assert "not retried" in refused.value.message


def test_a_code_that_passes_both_check_digits_is_read_by_whether_an_organisation_is_named() -> None:
    from prex.pki.issue import issue_certificate
    from prex.pki.keys import PrivateKey

    code = "330106198503171394"  # a valid resident ID number that is also a valid credit code
    from prex.identity.uscc import check_character
    from prex.pki.holder import person_id_valid

    assert person_id_valid(code) and check_character(code[:17]) == code[17]
    key = PrivateKey.generate("ec-p256")
    kinds = []
    for subject in (
        [("serialNumber", code), ("CN", "王五")],
        [("O", "某公司"), ("serialNumber", code), ("CN", "某公司")],
    ):
        cert = issue_certificate(
            subject=subject,
            subject_key=key.public_key(),
            issuer=None,
            issuer_key=key,
            not_before=datetime(2025, 1, 1, tzinfo=UTC),
            not_after=datetime(2030, 1, 1, tzinfo=UTC),
        )
        kinds.append(holder_of(cert, PROFILE).kind)
    assert kinds == ["person", "organisation"]
