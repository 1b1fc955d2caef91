"""The RFC 3161 timestamp authority and token verifier, checked against OpenSSL both ways."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, core, tsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.pki import tsa as tsa_module
from prex.pki.certs import Certificate, parse_certificate
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.pki.tsa import (
    MAX_REQUEST_BYTES,
    PREX_TSA_POLICY,
    BadTimestamp,
    TimestampAuthority,
    TimestampRefused,
    verify_token,
)
from prex.shared.errors import InvalidInput

NOW = datetime.now(UTC).replace(microsecond=0)
NOT_BEFORE = NOW - timedelta(days=1)
NOT_AFTER = NOW + timedelta(days=365)
DATA = "投标文件 — tender document\n".encode()
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl CLI is not installed")


def clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Pki:
    root_key: PrivateKey
    root: Certificate
    tsa_key: PrivateKey
    tsa_cert: Certificate
    tsa: TimestampAuthority


@cache
def pki(kind: str, country: bool = True) -> Pki:
    """A root CA and a TSA certificate it issued, both of key ``kind``."""
    root_key, tsa_key = PrivateKey.generate(kind), PrivateKey.generate(kind)
    c = [("C", "CN")] if country else []
    root = issue_certificate(
        subject=[*c, ("O", "测试"), ("CN", f"TSA Root {kind}")],
        subject_key=root_key.public_key(),
        issuer=None,
        issuer_key=root_key,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        ca=True,
    )
    tsa_cert = issue_certificate(
        subject=[*c, ("O", "prex"), ("CN", f"prex TSA {kind}")],
        subject_key=tsa_key.public_key(),
        issuer=root,
        issuer_key=root_key,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        key_usage={"digital_signature", "content_commitment"},
        extended_key_usage={"time_stamping"},
    )
    tsa = TimestampAuthority(key=tsa_key, certificate=tsa_cert, chain=[root], clock=clock)
    return Pki(root_key, root, tsa_key, tsa_cert, tsa)


def openssl(*args: str, cwd: Path, ok: bool = True) -> str:
    assert OPENSSL is not None
    done = subprocess.run(
        [OPENSSL, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
    )
    if ok:
        assert done.returncode == 0, f"openssl {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def setup_dir(p: Pki, directory: Path) -> None:
    (directory / "root.pem").write_text(p.root.pem())
    (directory / "tsa.pem").write_text(p.tsa_cert.pem())
    (directory / "data.bin").write_bytes(DATA)


def response_status(der: bytes) -> tuple[str, set[str], str]:
    """(status, failure bits, text) of a DER TimeStampResp, parsed independently of prex."""
    status = core.Sequence.load(der, strict=True)
    info = tsp.PKIStatusInfo.load(status[0].dump(), strict=True)
    return (
        info["status"].native,
        set(info["fail_info"].native or ()),
        " ".join(info["status_string"].native or ()),
    )


# --- OpenSSL verifies what prex stamps ------------------------------------------------------


@needs_openssl
@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256", "ec-p384"])
def test_openssl_verifies_tokens_over_data_and_digest(kind: str, tmp_path: Path) -> None:
    p = pki(kind)
    setup_dir(p, tmp_path)
    (tmp_path / "token.der").write_bytes(p.tsa.stamp_data(DATA))
    out = openssl(
        "ts", "-verify", "-data", "data.bin", "-in", "token.der", "-token_in",
        "-CAfile", "root.pem", "-untrusted", "tsa.pem", cwd=tmp_path,
    )  # fmt: skip
    assert "Verification: OK" in out
    digest = hashlib.sha384(DATA).digest()
    (tmp_path / "token384.der").write_bytes(
        p.tsa.stamp(digest, hash_algorithm="sha384", include_certificate=False)
    )
    out = openssl(
        "ts", "-verify", "-digest", digest.hex(), "-in", "token384.der", "-token_in",
        "-CAfile", "root.pem", "-untrusted", "tsa.pem", cwd=tmp_path,
    )  # fmt: skip
    assert "Verification: OK" in out
    (tmp_path / "other.bin").write_bytes(DATA + b"!")
    out = openssl(
        "ts", "-verify", "-data", "other.bin", "-in", "token.der", "-token_in",
        "-CAfile", "root.pem", "-untrusted", "tsa.pem", cwd=tmp_path, ok=False,
    )  # fmt: skip
    assert "message imprint mismatch" in out


@needs_openssl
@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256"])
@pytest.mark.parametrize(
    "query_options",
    [
        ["-data", "data.bin", "-sha256", "-cert"],
        ["-data", "data.bin", "-sha512", "-no_nonce"],
        ["-digest", hashlib.sha384(DATA).hexdigest(), "-sha384", "-cert"],
    ],
)
def test_openssl_query_answered_by_respond_verifies(
    kind: str, query_options: list[str], tmp_path: Path
) -> None:
    p = pki(kind)
    setup_dir(p, tmp_path)
    openssl("ts", "-query", *query_options, "-out", "q.tsq", cwd=tmp_path)
    response = p.tsa.respond((tmp_path / "q.tsq").read_bytes())
    assert response_status(response)[0] == "granted"
    (tmp_path / "r.tsr").write_bytes(response)
    out = openssl(
        "ts", "-verify", "-queryfile", "q.tsq", "-in", "r.tsr", "-CAfile", "root.pem",
        "-untrusted", "tsa.pem", cwd=tmp_path,
    )  # fmt: skip
    assert "Verification: OK" in out
    text = openssl("ts", "-reply", "-in", "r.tsr", "-text", cwd=tmp_path)
    assert "Status: Granted." in text
    assert f"Policy OID: {PREX_TSA_POLICY}" in text

    request = tsp.TimeStampReq.load((tmp_path / "q.tsq").read_bytes())
    info = verify_token(response, data=DATA, certificates=[p.tsa_cert])
    assert info.nonce == request["nonce"].native
    assert info.hash_algorithm == query_options[2][1:]
    # Only a query with -cert gets the certificates; without, the caller must supply them.
    assert bool(info.certificates) == ("-cert" in query_options)
    if "-cert" in query_options:
        assert set(info.certificates) == {p.tsa_cert, p.root}  # a SET OF: DER order


@needs_openssl
@pytest.mark.parametrize("algorithm", ["ec", "rsa"])
def test_openssl_made_tsa_certificate(algorithm: str, tmp_path: Path) -> None:
    key_options = (
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        if algorithm == "ec"
        else ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
    )
    for name in ("root", "tsa"):
        openssl("genpkey", *key_options, "-out", f"{name}.key", cwd=tmp_path)
    openssl(
        "req", "-new", "-x509", "-key", "root.key", "-subj", "/C=CN/O=OpenSSL Root/CN=Root",
        "-days", "30", "-out", "root.pem", cwd=tmp_path,
    )  # fmt: skip
    openssl(
        "req", "-new", "-key", "tsa.key", "-subj", "/C=CN/O=OpenSSL TSA/CN=TSA",
        "-out", "tsa.csr", cwd=tmp_path,
    )  # fmt: skip
    (tmp_path / "ext.cnf").write_text(
        "extendedKeyUsage=critical,timeStamping\n"
        "keyUsage=critical,digitalSignature,nonRepudiation\n"
        "basicConstraints=CA:FALSE\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
    )
    openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "root.pem", "-CAkey", "root.key",
        "-set_serial", "4660", "-days", "30", "-extfile", "ext.cnf", "-out", "tsa.pem",
        cwd=tmp_path,
    )  # fmt: skip
    tsa_cert = parse_certificate((tmp_path / "tsa.pem").read_bytes())
    tsa = TimestampAuthority(
        key=PrivateKey.load((tmp_path / "tsa.key").read_bytes()),
        certificate=tsa_cert,
        clock=clock,
    )
    (tmp_path / "data.bin").write_bytes(DATA)
    (tmp_path / "token.der").write_bytes(tsa.stamp_data(DATA))
    out = openssl(
        "ts", "-verify", "-data", "data.bin", "-in", "token.der", "-token_in",
        "-CAfile", "root.pem", "-untrusted", "tsa.pem", cwd=tmp_path,
    )  # fmt: skip
    assert "Verification: OK" in out
    info = verify_token((tmp_path / "token.der").read_bytes(), data=DATA)
    assert info.tsa_certificate == tsa_cert


# --- prex verifies what OpenSSL stamps ------------------------------------------------------

OPENSSL_TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/root.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = {ess}
"""


@needs_openssl
@pytest.mark.parametrize(("kind", "ess"), [("rsa-2048", "sha256"), ("ec-p256", "sha1")])
def test_openssl_ts_reply_verifies_with_verify_token(kind: str, ess: str, tmp_path: Path) -> None:
    # ess_cert_id_alg sha1 makes OpenSSL write the RFC 2634 signingCertificate (v1) attribute,
    # sha256 the RFC 5816 signingCertificateV2.
    p = pki(kind)
    setup_dir(p, tmp_path)
    (tmp_path / "tsa.key").write_bytes(p.tsa_key.pkcs8_pem())
    (tmp_path / "tsaserial").write_text("01\n")
    (tmp_path / "tsa.cnf").write_text(OPENSSL_TSA_CONFIG.format(ess=ess))
    openssl("ts", "-query", "-data", "data.bin", "-sha256", "-cert", "-out", "q.tsq", cwd=tmp_path)
    openssl(
        "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-out", "r.tsr",
        cwd=tmp_path,
    )  # fmt: skip
    openssl(
        "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-token_out",
        "-out", "t.tsr", cwd=tmp_path,
    )  # fmt: skip
    request = tsp.TimeStampReq.load((tmp_path / "q.tsq").read_bytes())
    for name in ("r.tsr", "t.tsr"):
        info = verify_token((tmp_path / name).read_bytes(), data=DATA)
        assert info.tsa_certificate == p.tsa_cert
        assert info.policy == "1.2.3.4.1"
        assert info.nonce == request["nonce"].native
        assert info.hash_algorithm == "sha256"
        assert info.message_imprint == hashlib.sha256(DATA).digest()
        assert abs(info.gen_time - datetime.now(UTC)) < timedelta(minutes=5)
        assert p.tsa_cert in info.certificates
    with pytest.raises(BadTimestamp, match="not made for this data"):
        verify_token((tmp_path / "r.tsr").read_bytes(), data=DATA + b"x")


# --- verify_token ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256", "ec-p384", "sm2"])
def test_round_trip(kind: str) -> None:
    p = pki(kind)
    before = datetime.now(UTC)
    token = p.tsa.stamp(hashlib.sha256(DATA).digest(), nonce=2**70 + 1)
    info = verify_token(token, data=DATA)
    assert before <= info.gen_time <= datetime.now(UTC)
    assert info.gen_time.tzinfo is not None
    assert info.policy == PREX_TSA_POLICY
    assert info.nonce == 2**70 + 1
    assert info.tsa_certificate == p.tsa_cert
    assert set(info.certificates) == {p.tsa_cert, p.root}  # a SET OF: DER order
    assert 0 < info.serial < 2**159
    assert verify_token(token, digest=hashlib.sha256(DATA).digest()) == info


def test_sm3_imprint_and_sm2_tsa() -> None:
    from prex.pki.keys import digest

    p = pki("sm2")
    token = p.tsa.stamp(digest("sm3", DATA), hash_algorithm="sm3")
    info = verify_token(token, data=DATA)
    assert info.hash_algorithm == "sm3"


def test_serials_are_random_and_at_most_159_bits() -> None:
    p = pki("ec-p256")
    serials = {verify_token(p.tsa.stamp_data(DATA)).serial for _ in range(8)}
    assert len(serials) == 8
    assert all(0 < s < 2**159 for s in serials)


def test_a_token_without_certificates_needs_them_supplied() -> None:
    p = pki("ec-p256")
    token = p.tsa.stamp(hashlib.sha256(DATA).digest(), include_certificate=False)
    with pytest.raises(BadTimestamp, match="does not carry the TSA certificate"):
        verify_token(token)
    with pytest.raises(BadTimestamp, match="none of the certificates"):
        verify_token(token, certificates=[pki("rsa-2048").tsa_cert])
    assert verify_token(token, certificates=[p.tsa_cert]).tsa_certificate == p.tsa_cert


def test_wrong_data_or_digest() -> None:
    token = pki("ec-p256").tsa.stamp_data(DATA)
    with pytest.raises(BadTimestamp, match="not made for this data"):
        verify_token(token, data=b"other")
    with pytest.raises(BadTimestamp, match="not made for this digest"):
        verify_token(token, digest=b"\x00" * 32)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (b"", "empty"),
        (b"garbage", "malformed"),
        (b"\x30\x03\x02\x01\x00", "malformed"),
        (b"\x30" + b"\x84\x00\x10\x00\x00" + b"\x00" * 64, "malformed"),
        (b"\x00" * (1024 * 1024), "limit 256 KiB"),
    ],
)
def test_garbage_tokens(token: bytes, message: str) -> None:
    with pytest.raises(BadTimestamp, match=message) as raised:
        verify_token(token)
    assert raised.value.slug == "bad-timestamp"
    assert isinstance(raised.value, InvalidInput)


def test_truncated_tokens() -> None:
    token = pki("ec-p256").tsa.stamp_data(DATA)
    for cut in (1, 2, 10, len(token) // 2, len(token) - 1):
        with pytest.raises(BadTimestamp):
            verify_token(token[:cut])
    with pytest.raises(BadTimestamp, match="malformed"):
        verify_token(token + b"\x00")


def test_a_flipped_byte_anywhere_never_passes_unnoticed() -> None:
    token = pki("ec-p256").tsa.stamp(hashlib.sha256(DATA).digest(), include_certificate=False)
    cert = pki("ec-p256").tsa_cert
    for position in range(len(token)):
        altered = bytearray(token)
        altered[position] ^= 0x01
        try:
            info = verify_token(bytes(altered), data=DATA, certificates=[cert])
        except BadTimestamp:
            continue
        # Only bytes the signature does not cover may change: the unsigned parts of the CMS
        # envelope that still parse the same (e.g. a DER length's or the version's low bit).
        assert info.message_imprint == hashlib.sha256(DATA).digest()


class _AnySet(core.SetOf):  # type: ignore[misc]
    _child_spec = core.Any


class _RawAttribute(core.Sequence):  # type: ignore[misc]
    _fields = [("type", core.ObjectIdentifier), ("values", _AnySet)]


class _RawAttributes(core.SetOf):  # type: ignore[misc]
    _child_spec = _RawAttribute


def _tamper(token: bytes, key: PrivateKey, edit: Any, resign: bool = True) -> bytes:
    """Edit a token's signed attributes as (type, [DER value]) dicts, then re-sign with ``key``."""
    content_info = cms.ContentInfo.load(token)
    signer = content_info["content"]["signer_infos"][0]
    attributes = [
        {"type": a["type"].dotted, "values": [v.dump() for v in a["values"]]}
        for a in signer["signed_attrs"]
    ]
    attributes = edit(attributes, content_info["content"])
    rebuilt = _RawAttributes(
        [{"type": a["type"], "values": [core.Any.load(v) for v in a["values"]]} for a in attributes]
    ).dump()
    signer["signed_attrs"] = cms.CMSAttributes.load(rebuilt)
    if resign:
        signer["signature"] = key.sign(rebuilt, key.default_scheme)
    return bytes(content_info.dump(force=True))


def _without(oid: str) -> Any:
    return lambda attrs, _: [a for a in attrs if a["type"] != oid]


def test_tampered_tokens_are_refused() -> None:
    p = pki("ec-p256")
    token = p.tsa.stamp_data(DATA)
    assert verify_token(_tamper(token, p.tsa_key, lambda a, _: a), data=DATA)

    with pytest.raises(BadTimestamp, match="no ESS signing-certificate"):
        verify_token(_tamper(token, p.tsa_key, _without("1.2.840.113549.1.9.16.2.47")))
    with pytest.raises(BadTimestamp, match="contentType or messageDigest"):
        verify_token(_tamper(token, p.tsa_key, _without("1.2.840.113549.1.9.4")))
    with pytest.raises(BadTimestamp, match="does not verify"):
        verify_token(_tamper(token, p.tsa_key, _without("1.2.840.113549.1.9.5"), resign=False))

    def other_cert_hash(attrs: list[dict[str, Any]], _: Any) -> list[dict[str, Any]]:
        ess = tsp.SigningCertificateV2({"certs": [{"cert_hash": b"\x01" * 32}]})
        return [
            {**a, "values": [ess.dump()]} if a["type"] == "1.2.840.113549.1.9.16.2.47" else a
            for a in attrs
        ]

    with pytest.raises(BadTimestamp, match="names a different TSA certificate"):
        verify_token(_tamper(token, p.tsa_key, other_cert_hash))

    def wrong_content_type(attrs: list[dict[str, Any]], _: Any) -> list[dict[str, Any]]:
        data_oid = core.ObjectIdentifier("1.2.840.113549.1.7.1").dump()
        return [
            {**a, "values": [data_oid]} if a["type"] == "1.2.840.113549.1.9.3" else a for a in attrs
        ]

    with pytest.raises(BadTimestamp, match="not id-ct-TSTInfo"):
        verify_token(_tamper(token, p.tsa_key, wrong_content_type))

    def duplicate(attrs: list[dict[str, Any]], _: Any) -> list[dict[str, Any]]:
        return [*attrs, attrs[0]]

    with pytest.raises(BadTimestamp, match="appears twice"):
        verify_token(_tamper(token, p.tsa_key, duplicate))

    # Signed by another key that is not the TSA certificate's.
    with pytest.raises(BadTimestamp, match="does not verify"):
        verify_token(_tamper(token, PrivateKey.generate("ec-p256"), lambda a, _: a))


def test_an_altered_tst_info_is_refused() -> None:
    p = pki("rsa-2048")
    token = bytearray(p.tsa.stamp_data(DATA))
    imprint = hashlib.sha256(DATA).digest()
    at = bytes(token).index(imprint)
    token[at] ^= 0xFF
    with pytest.raises(BadTimestamp, match="TSTInfo was altered"):
        verify_token(bytes(token))


def test_the_tsa_certificate_must_have_critical_time_stamping_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = pki("ec-p256")
    not_a_tsa = issue_certificate(
        subject={"C": "CN", "O": "prex", "CN": "prex TSA ec-p256"},
        subject_key=p.tsa_key.public_key(),
        issuer=p.root,
        issuer_key=p.root_key,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        extended_key_usage={"client_auth"},
    )
    with pytest.raises(InvalidInput, match="only extended key usage must be timeStamping"):
        TimestampAuthority(key=p.tsa_key, certificate=not_a_tsa, clock=clock)
    # A TSA that stamps with it anyway (bypassing the constructor's check) is caught on verify.
    with monkeypatch.context() as patch:
        patch.setattr(tsa_module, "_tsa_certificate_problem", lambda _: None)
        rogue = TimestampAuthority(key=p.tsa_key, certificate=not_a_tsa, clock=clock)
    with pytest.raises(BadTimestamp, match="only extended key usage must be timeStamping"):
        verify_token(rogue.stamp_data(DATA), data=DATA)


def test_construction_refusals() -> None:
    p = pki("ec-p256")
    with pytest.raises(InvalidInput, match="does not belong"):
        TimestampAuthority(key=pki("rsa-2048").tsa_key, certificate=p.tsa_cert, clock=clock)
    with pytest.raises(InvalidInput, match="no extended key usage"):
        TimestampAuthority(key=p.root_key, certificate=p.root, clock=clock)
    with pytest.raises(InvalidInput, match="dotted OID"):
        TimestampAuthority(key=p.tsa_key, certificate=p.tsa_cert, clock=clock, policy="prex")


def test_gen_time_outside_the_certificate_validity_is_refused() -> None:
    p = pki("ec-p256")
    late = TimestampAuthority(
        key=p.tsa_key, certificate=p.tsa_cert, clock=lambda: NOT_AFTER + timedelta(days=1)
    )
    with pytest.raises(BadTimestamp, match="outside the TSA certificate's validity"):
        verify_token(late.stamp_data(DATA))


def test_weak_or_wrong_digests_are_refused_by_stamp() -> None:
    tsa = pki("ec-p256").tsa
    with pytest.raises(TimestampRefused, match="not accepted") as refused:
        tsa.stamp(hashlib.sha1(DATA).digest(), hash_algorithm="sha1")
    assert refused.value.failure == "bad_alg"
    with pytest.raises(TimestampRefused, match="32 bytes, not 31") as refused:
        tsa.stamp(b"\x00" * 31)
    assert refused.value.failure == "bad_data_format"


def test_a_naive_clock_is_a_system_failure() -> None:
    p = pki("ec-p256")
    naive = TimestampAuthority(
        key=p.tsa_key, certificate=p.tsa_cert, clock=lambda: datetime(2026, 1, 1)
    )
    with pytest.raises(InvalidInput, match="timezone-aware"):
        naive.stamp_data(DATA)
    request = _request()
    assert response_status(naive.respond(request))[:2] == ("rejection", {"system_failure"})


# --- respond: rejections -----------------------------------------------------------------------


def _request(
    digest: bytes | None = None,
    algorithm: str = "sha256",
    version: int = 1,
    **extra: Any,
) -> bytes:
    return bytes(
        tsp.TimeStampReq(
            {
                "version": version,
                "message_imprint": {
                    "hash_algorithm": {"algorithm": algorithm},
                    "hashed_message": hashlib.sha256(DATA).digest() if digest is None else digest,
                },
                **extra,
            }
        ).dump()
    )


@pytest.mark.parametrize(
    ("request_der", "failure", "text"),
    [
        (b"", "bad_data_format", "not a DER TimeStampReq"),
        (b"garbage", "bad_data_format", "not a DER TimeStampReq"),
        (_request()[:-5], "bad_data_format", "not a DER TimeStampReq"),
        (b"\x30" * (1024 * 1024), "bad_data_format", "limit 16 KiB"),
        (_request(version=2), "bad_request", "version"),
        (_request(hashlib.sha1(DATA).digest(), "sha1"), "bad_alg", "sha1 is not accepted"),
        (_request(b"\x00" * 16, "md5"), "bad_alg", "1.2.840.113549.2.5 is not accepted"),
        (_request(b"\x00" * 31), "bad_data_format", "32 bytes, not 31"),
        (_request(req_policy="1.2.3.4"), "unaccepted_policy", "1.2.3.4"),
        (
            _request(extensions=[{"extn_id": "1.2.3.4", "extn_value": b"x"}]),
            "unaccepted_extensions",
            "no request extensions",
        ),
    ],
)
def test_rejections(request_der: bytes, failure: str, text: str) -> None:
    response = pki("ec-p256").tsa.respond(request_der)
    status, failures, status_text = response_status(response)
    assert (status, failures) == ("rejection", {failure})
    assert text in status_text
    with pytest.raises(BadTimestamp, match=f"refused the request \\(rejection: {failure}"):
        verify_token(response)


@needs_openssl
def test_openssl_reads_a_rejection(tmp_path: Path) -> None:
    openssl("ts", "-query", "-data", "/dev/null", "-sha1", "-out", "q.tsq", cwd=tmp_path)
    response = pki("ec-p256").tsa.respond((tmp_path / "q.tsq").read_bytes())
    (tmp_path / "r.tsr").write_bytes(response)
    text = openssl("ts", "-reply", "-in", "r.tsr", "-text", cwd=tmp_path)
    assert "Status: Rejected." in text
    assert "unrecognized or unsupported algorithm" in text


def test_our_policy_and_null_parameters_are_accepted() -> None:
    tsa = pki("ec-p256").tsa
    request = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256", "parameters": core.Null()},
                "hashed_message": hashlib.sha256(DATA).digest(),
            },
            "req_policy": PREX_TSA_POLICY,
            "nonce": 7,
            "cert_req": True,
        }
    )
    response = tsa.respond(request.dump())
    assert response_status(response)[0] == "granted"
    info = verify_token(response, data=DATA)
    assert info.nonce == 7
    # The imprint is repeated exactly, NULL parameters included (RFC 3161 §2.4.2).
    assert request["message_imprint"].dump() in response
    assert len(request.dump()) < MAX_REQUEST_BYTES


# --- fuzzing -----------------------------------------------------------------------------------


@cache
def _valid_request() -> bytes:
    return _request(nonce=12345, cert_req=True)


def _fuzz_pki() -> Pki:
    # No country in the names: cryptography *warns* (an error under filterwarnings=error) when
    # a mutation makes a countryName other than two letters, which is not what is tested here.
    return pki("ec-p256", country=False)


@cache
def _valid_tokens() -> tuple[bytes, bytes]:
    tsa = _fuzz_pki().tsa
    return tsa.stamp_data(DATA), tsa.respond(_valid_request())


def _mutate(base: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(base)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data)


edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4)
fuzz = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(st.binary(max_size=300) | edits.map(lambda e: _mutate(_valid_request(), e)))
def test_respond_always_returns_a_parseable_response(request_der: bytes) -> None:
    response = _fuzz_pki().tsa.respond(request_der)
    status, failures, _ = response_status(response)
    if status == "granted":
        assert verify_token(response, certificates=[_fuzz_pki().tsa_cert]).message_imprint
    else:
        assert status == "rejection" and len(failures) == 1


@fuzz
@given(
    st.binary(max_size=300)
    | st.tuples(st.sampled_from([0, 1]), edits).map(lambda t: _mutate(_valid_tokens()[t[0]], t[1]))
    | st.integers(1, 2000).map(lambda n: _valid_tokens()[0][:-n])
)
def test_verify_token_raises_only_bad_timestamp(token: bytes) -> None:
    try:
        verify_token(token)
    except BadTimestamp as exc:
        assert exc.message
