"""The openssl-built test PKI is what it claims to be, judged by ``openssl`` itself.

The world is the session's ``pki_world`` (built once per session by ``tests/conftest.py``, with
its CRLs served over HTTP), so these checks cost no second build. Dates are judged at the tests'
fixed clock with ``openssl verify -attime`` (2026-03-02 01:00 UTC) and, for the good paths, at
the real current time as well.
"""

from __future__ import annotations

import re
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from prex.identity.uscc import validate_uscc
from tests.pki_openssl import (
    SM2_ID,
    T0_EPOCH,
    Issued,
    PkiWorld,
    issue_leaves,
    ocsp_responder,
    resident_id,
)

AT_T0 = ["-attime", str(T0_EPOCH)]
DISTID = ["-vfyopt", f"distid:{SM2_ID}"]
NAMEOPT = ["-nameopt", "utf8,sep_comma_plus"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True)


def output(*args: str | Path) -> str:
    result = run(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def verify_args(world: PkiWorld, name: str, *, crls: bool = True) -> list[str | Path]:
    """``openssl verify`` arguments for ``name`` with its own root, intermediates and CRLs."""
    issued = world.get(name)
    root = _root_of(world, issued.chain[-1] if issued.chain else issued.cert)
    args: list[str | Path] = ["-CAfile", world.roots[root].cert]
    for ca_cert in issued.chain:
        args += ["-untrusted", ca_cert]
    if crls:
        args.append("-crl_check_all")
        for ca in [root, *(p.stem for p in issued.chain)]:
            args += ["-CRLfile", world.crl_pem(ca)]
    return [*args, issued.cert]


def _root_of(world: PkiWorld, top: Path) -> str:
    """The root that issued ``top`` (the top-most intermediate, or a root's own certificate)."""
    issuer = output("x509", "-in", top, "-noout", "-issuer", *NAMEOPT).removeprefix("issuer=")
    for name, root in world.roots.items():
        if subject(root.cert) == issuer:
            return name
    raise AssertionError(f"no root issued {top}")


def _certs(table: dict[str, Issued]) -> list[Path]:
    return [issued.cert for issued in table.values()]


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith(": OK"), result.stdout


def assert_refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0, result.stdout
    assert message in result.stdout + result.stderr, result.stdout + result.stderr


def text(cert: Path) -> str:
    return output("x509", "-in", cert, "-noout", "-text", *NAMEOPT)


def texts(certs: list[Path]) -> str:
    """The text of many certificates from two openssl runs, in order."""
    files = [arg for cert in certs for arg in ("-certfile", str(cert))]
    bundle = subprocess.run(
        ["openssl", "crl2pkcs7", "-nocrl", *files], capture_output=True, check=True
    ).stdout
    printed = subprocess.run(
        ["openssl", "pkcs7", "-print_certs", "-text", "-noout"],
        input=bundle,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert printed.count("Certificate:\n") == len(certs)
    return printed


def subject(cert: Path) -> str:
    return output("x509", "-in", cert, "-noout", "-subject", *NAMEOPT).removeprefix("subject=")


def _tlv(der: bytes, at: int) -> tuple[int, int]:
    """The start of the contents and the end of the DER element at ``at``."""
    first = der[at + 1]
    if first < 0x80:
        return at + 2, at + 2 + first
    size = first & 0x7F
    start = at + 2 + size
    return start, start + int.from_bytes(der[at + 2 : start], "big")


def _split_signed(der: bytes) -> tuple[bytes, bytes]:
    """The signed part (TBSCertificate/TBSCertList) and the signature of a DER structure."""
    body, _ = _tlv(der, 0)
    _, tbs_end = _tlv(der, body)
    _, alg_end = _tlv(der, tbs_end)
    sig_start, sig_end = _tlv(der, alg_end)
    return der[body:tbs_end], der[sig_start + 1 : sig_end]  # skip the unused-bits octet


def _subject_public_key_info(cert: bytes) -> bytes:
    body, _ = _tlv(cert, 0)
    at, _ = _tlv(cert, body)  # inside TBSCertificate
    at = _tlv(cert, at)[1] if cert[at] == 0xA0 else at  # [0] version
    for _ in range(5):  # serial, signature, issuer, validity, subject
        at = _tlv(cert, at)[1]
    return cert[at : _tlv(cert, at)[1]]


# -- what is in the world ------------------------------------------------------------------


def test_the_world_has_every_named_certificate(pki_world: PkiWorld) -> None:
    assert set(pki_world.roots) == {
        "rsa", "ecdsa", "sm2", "untrusted", "pathlen", "long",
        "bench-rsa", "bench-p256", "bench-sm2",
    }  # fmt: skip
    assert set(pki_world.roots) < set(pki_world.cas)
    assert {f"long-{i}" for i in range(1, 9)} < set(pki_world.cas)
    intermediates = {"rsa-int", "ecdsa-int", "sm2-int", "pathlen-int", "pathlen-sub"}
    assert intermediates | {"loop-a", "loop-b"} < set(pki_world.cas)
    assert set(pki_world.leaves) >= {
        "rsa-org", "rsa-pss", "rsa-expired", "rsa-notyet", "rsa-revoked", "rsa-wrong-ku",
        "rsa-ou", "rsa-cn", "rsa-orgid", "rsa-person", "rsa-ocsp-good", "rsa-ocsp-revoked",
        "rsa-ocsp-signer", "ecdsa-org", "ecdsa-p384", "sm2-org", "sm2-person", "sm2-revoked",
        "sm2-emptyid", "untrusted-org", "pathlen-leaf", "notca-issuer", "notca-leaf",
        "loop-leaf", "long-leaf",
    }  # fmt: skip
    for issued in [*pki_world.cas.values(), *pki_world.leaves.values()]:
        assert issued.cert.exists() and issued.der.exists() and issued.key.exists()
        assert issued.key.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")  # PKCS#8


def test_chains_run_leaf_first_up_to_but_excluding_the_root(pki_world: PkiWorld) -> None:
    cert = {name: issued.cert for name, issued in pki_world.cas.items()}
    assert pki_world.roots["rsa"].chain == []
    assert pki_world.cas["rsa-int"].chain == []
    assert pki_world.leaves["rsa-org"].chain == [cert["rsa-int"]]
    assert pki_world.leaves["untrusted-org"].chain == []
    assert pki_world.leaves["pathlen-leaf"].chain == [cert["pathlen-sub"], cert["pathlen-int"]]
    assert pki_world.leaves["notca-leaf"].chain == [
        pki_world.leaves["notca-issuer"].cert,
        cert["rsa-int"],
    ]
    assert pki_world.leaves["long-leaf"].chain == [cert[f"long-{i}"] for i in range(8, 0, -1)]
    assert pki_world.leaves["loop-leaf"].chain == [cert["loop-a"], cert["loop-b"]]


def test_every_key_belongs_to_its_certificate_and_der_copies_match(pki_world: PkiWorld) -> None:
    everything = [*pki_world.cas.values(), *pki_world.leaves.values()]

    def check(issued: Issued) -> None:
        from_key = subprocess.run(
            ["openssl", "pkey", "-in", issued.key, "-pubout", "-outform", "DER"],
            capture_output=True,
            check=True,
        ).stdout
        assert _subject_public_key_info(issued.der.read_bytes()) == from_key, issued.name
        if issued.name in ("rsa", "sm2-int", "ecdsa-p384"):
            pem = output("x509", "-in", issued.der, "-inform", "DER")
            assert pem == issued.cert.read_text(), issued.name

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(check, everything))


def test_validity_windows_cover_the_fixed_clock_and_today(pki_world: PkiWorld) -> None:
    def dates(table: dict[str, Issued]) -> dict[str, tuple[str, str]]:
        found = re.findall(r"Not Before: (.+)\n\s+Not After : (.+)\n", texts(_certs(table)))
        return dict(zip(table, found, strict=True))

    for name, got in dates(pki_world.cas).items():
        assert got == ("Jan  1 00:00:00 2025 GMT", "Jan  1 00:00:00 2040 GMT"), name
    leaf_dates = dates(pki_world.leaves)
    normal = ("Jun  1 00:00:00 2025 GMT", "Jan  1 00:00:00 2035 GMT")
    for name, got in leaf_dates.items():
        if name not in ("rsa-expired", "rsa-notyet"):
            assert got == normal, name
    assert leaf_dates["rsa-expired"] == ("Jan  1 00:00:00 2025 GMT", "Jan  1 00:00:00 2026 GMT")
    assert leaf_dates["rsa-notyet"] == ("Jan  1 00:00:00 2029 GMT", "Jan  1 00:00:00 2035 GMT")


def test_extensions_follow_the_profiles(pki_world: PkiWorld) -> None:
    url = pki_world.crl_base_url
    root = text(pki_world.roots["rsa"].cert)
    assert re.search(r"Basic Constraints: critical\n\s+CA:TRUE\n", root)
    assert re.search(r"Key Usage: critical\n\s+Certificate Sign, CRL Sign\n", root)
    assert "Subject Key Identifier" in root and "Authority Key Identifier" in root
    assert "CRL Distribution Points" not in root
    intermediate = text(pki_world.cas["rsa-int"].cert)
    assert re.search(r"Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n", intermediate)
    assert f"URI:{url}/rsa.crl\n" in intermediate
    leaf = text(pki_world.leaves["rsa-org"].cert)
    assert re.search(r"Key Usage: critical\n\s+Digital Signature, Non Repudiation\n", leaf)
    assert "TLS Web Client Authentication, E-mail Protection\n" in leaf
    assert f"URI:{url}/rsa-int.crl\n" in leaf
    assert "Authority Information Access" not in leaf
    wrong = text(pki_world.leaves["rsa-wrong-ku"].cert)
    assert re.search(r"Key Usage: critical\n\s+Key Encipherment\n", wrong)
    assert re.search(r"Extended Key Usage: \n\s+TLS Web Server Authentication\n", wrong)
    for name in ("rsa-ocsp-good", "rsa-ocsp-revoked"):
        cert = pki_world.leaves[name].cert
        assert "CRL Distribution Points" not in text(cert)
        assert output("x509", "-in", cert, "-noout", "-ocsp_uri").strip() == pki_world.ocsp_url
    signer = text(pki_world.leaves["rsa-ocsp-signer"].cert)
    assert "OCSP Signing" in signer and "OCSP No Check" in signer
    assert "CA:FALSE" in text(pki_world.leaves["notca-issuer"].cert)
    assert f"URI:{url}/sm2-int.crl\n" in text(pki_world.leaves["sm2-org"].cert)


def test_subjects_carry_the_codes_where_each_case_says(pki_world: PkiWorld) -> None:
    for code in pki_world.uscc.values():
        assert validate_uscc(code) == code
    assert len(set(pki_world.uscc.values())) == len(pki_world.uscc)
    where = "C=CN,ST=浙江省,L=杭州市"
    codes = pki_world.uscc
    org = subject(pki_world.leaves["rsa-org"].cert)
    company = "杭州西湖建设工程有限公司"
    assert org == f"{where},O={company},serialNumber={codes['rsa-org']},CN={company}\n"
    assert f",OU={codes['rsa-ou']},CN=" in subject(pki_world.leaves["rsa-ou"].cert)
    assert "serialNumber" not in subject(pki_world.leaves["rsa-ou"].cert)
    assert subject(pki_world.leaves["rsa-cn"].cert).endswith(f",CN={codes['rsa-cn']}\n")
    orgid = subject(pki_world.leaves["rsa-orgid"].cert)
    assert f",organizationIdentifier={codes['rsa-orgid']}," in orgid
    for name in ("rsa-person", "sm2-person"):
        number = pki_world.person_ids[name]
        person = subject(pki_world.leaves[name].cert)
        assert person.startswith(f"{where},serialNumber={number},CN=")
        assert ",O=" not in person
    # The strings are UTF8String (the country code and serialNumber stay PrintableString).
    dump = output("asn1parse", "-in", pki_world.leaves["rsa-org"].cert)
    assert re.search(r"stateOrProvinceName\n.*UTF8STRING\s+:浙江省", dump)
    assert re.search(r"serialNumber\n.*PRINTABLESTRING\s+:" + codes["rsa-org"], dump)


def test_resident_id_numbers_have_the_gb_11643_check_digit() -> None:
    assert resident_id("110105", "19491231", 2) == "11010519491231002X"  # the standard's example
    number = resident_id("330106", "19850315", 123)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    assert (total + (10 if number[17] == "X" else int(number[17]))) % 11 == 1


# -- RSA -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leaf", ["rsa-org", "rsa-pss", "rsa-ou", "rsa-cn", "rsa-orgid", "rsa-person", "notca-issuer"]
)
def test_good_rsa_leaves_verify_with_both_crls_at_t0_and_today(
    pki_world: PkiWorld, leaf: str
) -> None:
    args = verify_args(pki_world, leaf)
    assert pki_world.crl_pem("rsa-int") in args
    assert_ok(run("verify", *AT_T0, *args))
    assert_ok(run("verify", *args))


def test_the_pss_leaf_is_signed_with_rsassa_pss(pki_world: PkiWorld) -> None:
    dump = text(pki_world.leaves["rsa-pss"].cert)
    signature = dump[dump.index("Signature Algorithm") :]
    assert signature.startswith("Signature Algorithm: rsassaPss")
    assert "Salt Length: 0x20" in signature
    assert "Mask Algorithm: mgf1 with sha256" in signature


@pytest.mark.parametrize(
    ("leaf", "message"),
    [
        ("rsa-revoked", "certificate revoked"),
        ("rsa-expired", "certificate has expired"),
        ("rsa-notyet", "certificate is not yet valid"),
    ],
)
def test_bad_rsa_leaves_are_refused_by_openssl(
    pki_world: PkiWorld, leaf: str, message: str
) -> None:
    assert_refused(run("verify", *AT_T0, *verify_args(pki_world, leaf)), message)


def test_the_wrong_key_usage_leaf_is_unfit_for_signing(pki_world: PkiWorld) -> None:
    purpose = ["-purpose", "smimesign"]
    assert_ok(run("verify", *AT_T0, *purpose, *verify_args(pki_world, "rsa-org")))
    refused = run("verify", *AT_T0, *purpose, *verify_args(pki_world, "rsa-wrong-ku"))
    assert_refused(refused, "unsuitable certificate purpose")


def test_ocsp_only_leaves_are_not_on_the_crl(pki_world: PkiWorld) -> None:
    # rsa-ocsp-revoked was revoked after rsa-int's CRL was made: only OCSP knows.
    assert_ok(run("verify", *AT_T0, *verify_args(pki_world, "rsa-ocsp-revoked")))
    index = pki_world.ca_index("rsa-int").read_text()
    for name in ("rsa-revoked", "rsa-ocsp-revoked"):
        serial = output("x509", "-in", pki_world.leaves[name].cert, "-noout", "-serial")
        line = next(x for x in index.splitlines() if f"\t{serial.strip()[7:]}\t" in x)
        assert line.startswith("R\t350101000000Z\t251201000000Z,keyCompromise\t"), line


def test_crls_have_the_fixed_dates_and_match_their_pem_copies(pki_world: PkiWorld) -> None:
    assert {"rsa", "rsa-int", "ecdsa", "ecdsa-int", "sm2", "sm2-int"} <= set(pki_world.crls)
    for ca, der in pki_world.crls.items():
        assert der == pki_world.base / "crl" / f"{ca}.crl"
        dates = output("crl", "-inform", "DER", "-in", der, "-noout", "-lastupdate", "-nextupdate")
        assert dates == "lastUpdate=Jan  1 00:00:00 2026 GMT\nnextUpdate=Jan  1 00:00:00 2040 GMT\n"
        as_pem = output("crl", "-inform", "DER", "-in", der)
        assert as_pem == pki_world.crl_pem(ca).read_text(), ca


def test_crls_are_served_where_the_certificates_point(pki_world: PkiWorld) -> None:
    for name in ("rsa", "rsa-int", "sm2-int"):
        url = f"{pki_world.crl_base_url}/{name}.crl"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.read() == pki_world.crls[name].read_bytes()
    # openssl follows the CRL distribution points itself (-crl_check: the root names no CRL of
    # its own, so -crl_check_all would need the root's CRL given locally)
    download: list[str | Path] = ["verify", *AT_T0, "-crl_download", "-crl_check"]
    root, ca = pki_world.roots["rsa"].cert, pki_world.cas["rsa-int"].cert
    assert_ok(run(*download, "-CAfile", root, ca))
    chain: list[str | Path] = ["-CAfile", root, "-untrusted", ca]
    assert_ok(run(*download, *chain, pki_world.leaves["rsa-org"].cert))
    revoked = run(*download, *chain, pki_world.leaves["rsa-revoked"].cert)
    assert_refused(revoked, "certificate revoked")


def test_the_ocsp_responder_knows_good_from_revoked(pki_world: PkiWorld) -> None:
    issuer = pki_world.cas["rsa-int"].cert
    trust: list[str | Path] = ["-CAfile", pki_world.roots["rsa"].cert, "-verify_other", issuer]
    with ocsp_responder(pki_world, "rsa-int") as url:
        assert url == pki_world.ocsp_url
        for leaf, status in (
            ("rsa-ocsp-good", "good"),
            ("rsa-ocsp-revoked", "revoked"),
            ("rsa-revoked", "revoked"),
        ):
            cert = pki_world.leaves[leaf].cert
            result = run("ocsp", "-issuer", issuer, "-cert", cert, "-url", url, *trust)
            assert result.returncode == 0, result.stderr
            assert "Response verify OK" in result.stderr
            assert f"{cert}: {status}\n" in result.stdout
            if status == "revoked":
                assert "Revocation Time: Dec  1 00:00:00 2025 GMT" in result.stdout


# -- ECDSA -----------------------------------------------------------------------------------


@pytest.mark.parametrize("leaf", ["ecdsa-org", "ecdsa-p384"])
def test_ecdsa_leaves_verify_with_crls(pki_world: PkiWorld, leaf: str) -> None:
    assert_ok(run("verify", *AT_T0, *verify_args(pki_world, leaf)))
    assert_ok(run("verify", *verify_args(pki_world, leaf)))


def test_ecdsa_curves_and_digests(pki_world: PkiWorld) -> None:
    def curve_and_signature(cert: Path) -> tuple[str, str]:
        dump = text(cert)
        curve = re.search(r"NIST CURVE: (\S+)", dump)
        algorithm = re.search(r"Signature Algorithm: (\S+)", dump)
        assert curve and algorithm
        return curve.group(1), algorithm.group(1)

    assert curve_and_signature(pki_world.roots["ecdsa"].cert) == ("P-384", "ecdsa-with-SHA384")
    assert curve_and_signature(pki_world.cas["ecdsa-int"].cert) == ("P-256", "ecdsa-with-SHA384")
    assert curve_and_signature(pki_world.leaves["ecdsa-org"].cert) == ("P-256", "ecdsa-with-SHA256")
    assert curve_and_signature(pki_world.leaves["ecdsa-p384"].cert) == (
        "P-384",
        "ecdsa-with-SHA256",
    )


# -- SM2 -------------------------------------------------------------------------------------
#
# OpenSSL 3.0's `openssl verify -vfyopt distid:…` gives the distinguishing ID to the certificate
# being verified only: the intermediate's signature and every CRL signature in the chain are
# checked with the default, empty ID, so a chain whose signatures all use 1234567812345678 fails
# ("certificate signature failure" at depth 1, or "CRL signature failure"). So each link is
# verified alone (the issuer as a -partial_chain trust anchor), and every SM2 signature is also
# checked directly with `openssl dgst -sm3 -sigopt distid:…` over the signed bytes.


def _sm2_signature_ok(issuer: Path, signed: Path, tmp: Path, *, with_id: bool) -> bool:
    tbs, signature = _split_signed(signed.read_bytes())
    (tmp / "tbs.der").write_bytes(tbs)
    (tmp / "sig.der").write_bytes(signature)
    (tmp / "pub.pem").write_text(output("x509", "-in", issuer, "-noout", "-pubkey"))
    args: list[str | Path] = ["dgst", "-sm3", "-verify", tmp / "pub.pem"]
    args += ["-signature", tmp / "sig.der"]
    args += ["-sigopt", f"distid:{SM2_ID}"] if with_id else []
    return run(*args, tmp / "tbs.der").returncode == 0


def test_every_sm2_signature_uses_the_distinguishing_id(
    pki_world: PkiWorld, tmp_path: Path
) -> None:
    root, ca = pki_world.roots["sm2"], pki_world.cas["sm2-int"]
    signed = [(root.cert, root.der), (root.cert, ca.der), (root.cert, pki_world.crls["sm2"])]
    signed.append((ca.cert, pki_world.crls["sm2-int"]))
    for leaf in ("sm2-org", "sm2-person", "sm2-revoked"):
        signed.append((ca.cert, pki_world.leaves[leaf].der))
    for issuer, item in signed:
        assert _sm2_signature_ok(issuer, item, tmp_path, with_id=True), item
        assert not _sm2_signature_ok(issuer, item, tmp_path, with_id=False), item
    empty = pki_world.leaves["sm2-emptyid"].der
    assert _sm2_signature_ok(ca.cert, empty, tmp_path, with_id=False)
    assert not _sm2_signature_ok(ca.cert, empty, tmp_path, with_id=True)
    for name in ("sm2", "sm2-int", "sm2-org", "sm2-emptyid"):
        assert "Signature Algorithm: SM2-with-SM3" in text(pki_world.get(name).cert)
        assert "ASN1 OID: SM2" in text(pki_world.get(name).cert)


def test_sm2_links_verify_one_at_a_time_with_the_id(pki_world: PkiWorld) -> None:
    root, ca = pki_world.roots["sm2"].cert, pki_world.cas["sm2-int"].cert
    assert_ok(run("verify", *AT_T0, *DISTID, "-CAfile", root, ca))
    assert_refused(run("verify", *AT_T0, "-CAfile", root, ca), "certificate signature failure")
    below: list[str | Path] = ["verify", *AT_T0, "-partial_chain", "-CAfile", ca]
    for leaf in ("sm2-org", "sm2-person", "sm2-revoked"):
        assert_ok(run(*below, *DISTID, pki_world.leaves[leaf].cert))
    empty = pki_world.leaves["sm2-emptyid"].cert
    assert_ok(run(*below, empty))
    assert_refused(run(*below, *DISTID, empty), "certificate signature failure")


def test_sm2_revoked_leaf_is_on_the_crl(pki_world: PkiWorld) -> None:
    listing = output("crl", "-in", pki_world.crl_pem("sm2-int"), "-noout", "-text")
    revoked = re.findall(r"Serial Number: ([0-9A-F]+)", listing)
    serial = output("x509", "-in", pki_world.leaves["sm2-revoked"].cert, "-noout", "-serial")
    assert revoked == [serial.strip().removeprefix("serial=")]


# -- structurally broken paths ---------------------------------------------------------------


def test_an_untrusted_root_is_just_that(pki_world: PkiWorld) -> None:
    leaf = pki_world.leaves["untrusted-org"].cert
    assert_ok(run("verify", *AT_T0, *verify_args(pki_world, "untrusted-org")))
    refused = run("verify", *AT_T0, "-CAfile", pki_world.roots["rsa"].cert, leaf)
    assert_refused(refused, "unable to get local issuer certificate")


def test_a_path_length_violation_is_refused(pki_world: PkiWorld) -> None:
    refused = run("verify", *AT_T0, *verify_args(pki_world, "pathlen-leaf"))
    assert_refused(refused, "path length constraint exceeded")
    assert "pathlen:0" in text(pki_world.cas["pathlen-int"].cert)


def test_a_long_chain_is_refused_only_under_a_depth_limit(pki_world: PkiWorld) -> None:
    # OpenSSL's default depth limit is 100; the leaf has 8 intermediates above it.
    assert_ok(run("verify", *AT_T0, *verify_args(pki_world, "long-leaf")))
    assert_ok(run("verify", *AT_T0, "-verify_depth", "8", *verify_args(pki_world, "long-leaf")))
    refused = run("verify", *AT_T0, "-verify_depth", "7", *verify_args(pki_world, "long-leaf"))
    assert_refused(refused, "certificate chain too long")


def test_a_leaf_under_a_non_ca_issuer_is_refused(pki_world: PkiWorld) -> None:
    refused = run("verify", *AT_T0, *verify_args(pki_world, "notca-leaf", crls=False))
    # also "path length constraint exceeded" (rsa-int has pathlen:0) and "key usage does not
    # include certificate signing", but openssl reports the CA:FALSE first
    assert_refused(refused, "error 79 at 1 depth lookup: invalid CA certificate")
    issuer = output(
        "x509", "-in", pki_world.leaves["notca-leaf"].cert, "-noout", "-issuer", *NAMEOPT
    )
    assert issuer == f"issuer={subject(pki_world.leaves['notca-issuer'].cert)}"


def test_the_loop_certificates_really_issue_each_other(pki_world: PkiWorld) -> None:
    a, b = pki_world.cas["loop-a"].cert, pki_world.cas["loop-b"].cert
    assert output("x509", "-in", a, "-noout", "-issuer", *NAMEOPT).endswith("CN=Loop B\n")
    assert output("x509", "-in", b, "-noout", "-issuer", *NAMEOPT).endswith("CN=Loop A\n")
    # each signature is good under the other's key
    assert_ok(run("verify", *AT_T0, "-partial_chain", "-CAfile", b, a))
    assert_ok(run("verify", *AT_T0, "-partial_chain", "-CAfile", a, b))
    leaf = pki_world.leaves["loop-leaf"].cert
    assert_ok(run("verify", *AT_T0, "-partial_chain", "-CAfile", a, leaf))
    # but no root is ever reached
    chain: list[str | Path] = ["-CAfile", pki_world.roots["rsa"].cert, "-untrusted", a]
    chain += ["-untrusted", b]
    refused = run("verify", *AT_T0, *chain, leaf)
    assert_refused(refused, "unable to get local issuer certificate")
    assert "loop-a" not in pki_world.roots and "loop-b" not in pki_world.roots


# -- benchmarks ------------------------------------------------------------------------------


@pytest.mark.parametrize("ca", ["bench-rsa-int", "bench-p256-int", "bench-sm2-int"])
def test_issue_leaves_makes_distinct_valid_certificates(
    pki_world: PkiWorld, ca: str, tmp_path: Path
) -> None:
    paths = issue_leaves(pki_world, ca, 5, tmp_path)
    assert len(paths) == 5
    serials = {output("x509", "-in", p, "-noout", "-serial") for p in paths}
    subjects = {subject(p) for p in paths}
    assert len(serials) == len(subjects) == 5
    issuer = pki_world.cas[ca].cert
    root = pki_world.roots[ca.removesuffix("-int")].cert
    for path in paths:
        if ca == "bench-sm2-int":
            assert_ok(run("verify", *AT_T0, *DISTID, "-partial_chain", "-CAfile", issuer, path))
        else:
            chain: list[str | Path] = ["-CAfile", root, "-untrusted", issuer, "-crl_check_all"]
            chain += ["-CRLfile", pki_world.crl_pem(ca), "-CRLfile", pki_world.crl_pem(ca[:-4])]
            assert_ok(run("verify", *AT_T0, *chain, path))
    key = output("pkey", "-in", tmp_path / "leaf.key", "-pubout")
    assert output("x509", "-in", paths[0], "-noout", "-pubkey") == key
