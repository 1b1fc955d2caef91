"""A test-time PKI issued by the ``openssl`` command-line tool (never by a Python library).

:func:`build_pki` lays out several independent CA hierarchies under one directory. Every CA is an
``openssl ca`` database of its own (``index.txt``, ``serial``, ``crlnumber``, ``newcerts/``), so
``openssl ca -revoke``/``-gencrl`` and ``openssl ocsp -index`` work on it as they would in a real
small CA. Validity windows are fixed so that everything is valid both at the tests' fixed clock
(2026-03-02 01:00 UTC) and at the real current date:

* CAs: 2025-01-01 – 2040-01-01; normal leaves: 2025-06-01 – 2035-01-01;
* CRLs: lastUpdate 2026-01-01, nextUpdate 2040-01-01 (``openssl ca -crl_lastupdate``/
  ``-crl_nextupdate``, which OpenSSL 3.0 has);
* revocations are back-dated in ``index.txt`` to 2025-12-01 (``openssl ca -revoke`` always records
  the real current time), so a revocation precedes both the CRLs' lastUpdate and the fixed clock.

Layout under ``base``: ``certs/<name>.pem`` and ``.der``, ``keys/<name>.key`` (PKCS#8 PEM,
unencrypted), ``ca/<ca>/`` (the CA database, ``openssl.cnf`` and ``ext.cnf``), ``crl/<ca>.crl``
(DER, the URL named in certificates is ``<crl_base_url>/<ca>.crl``) and ``crl/<ca>.pem`` (PEM).

SM2 (GM/T 0003) signatures use the distinguishing ID ``1234567812345678`` everywhere (CSR
self-signatures, certificates, CRLs) except the certificate signature of ``sm2-emptyid``, which is
made with OpenSSL 3.0's default, the empty ID. OpenSSL 3.0 quirks met on the way:

* ``openssl req``/``ca``/``x509`` take ``-sigopt distid:…`` to sign with an ID and ``-vfyopt
  distid:…`` to verify a CSR signed with one (``openssl ca`` refuses the CSR without it);
* ``openssl verify -vfyopt distid:…`` sets the ID on the *target* certificate only; issuing CA
  certificates and CRLs in the chain are checked with the empty ID, so a chain of SM2
  certificates signed with an ID cannot be verified (nor CRL-checked) by one ``openssl verify``;
* ``openssl cms -sign`` and ``openssl smime -sign`` cannot sign with an SM2 key;
* ``openssl ca -gencrl`` honours ``-sigopt``, but ``-crlexts`` must name a section of the CA's
  config file, not of ``-extfile``;
* ``openssl ca -out`` keeps only the last certificate of several ``-infiles`` (use ``-outdir``);
* ``openssl ocsp`` (the responder) exits, or spins with ``-ignore_err``, when a client connects
  and hangs up without a request: never probe it with a bare TCP connection.

Structural cases (pathlen, long, loop, notca) use P-256 keys: generating RSA keys is what the
build spends its time on.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from tests.factories import uscc_for

KeyKind = Literal["rsa", "p256", "p384", "sm2"]

SM2_ID = "1234567812345678"
CA_START, CA_END = "20250101000000Z", "20400101000000Z"
LEAF_START, LEAF_END = "20250601000000Z", "20350101000000Z"
CRL_LAST_UPDATE, CRL_NEXT_UPDATE = "20260101000000Z", "20400101000000Z"
REVOKED_AT = "251201000000Z"  # index.txt keeps UTCTime
T0_EPOCH = 1772413200  # 2026-03-02 01:00 UTC, the tests' fixed clock, for `openssl verify -attime`
DIVISION = "330100"  # 杭州市

_DIGEST: dict[KeyKind, str] = {"rsa": "sha256", "p256": "sha256", "p384": "sha384", "sm2": "sm3"}
_NEWKEY: dict[KeyKind, list[str]] = {
    "rsa": ["-newkey", "rsa:2048"],
    "p256": ["-newkey", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "p384": ["-newkey", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "sm2": ["-newkey", "SM2"],
}
_SM2_SIGN = ["-sigopt", f"distid:{SM2_ID}"]
_SM2_VERIFY = ["-vfyopt", f"distid:{SM2_ID}"]

Subject = tuple[tuple[str, str], ...]
T = TypeVar("T")


@dataclass(frozen=True)
class Issued:
    """One certificate, its key, and the CA certificates between it and its root."""

    name: str
    cert: Path  # PEM
    der: Path  # the same certificate, DER
    key: Path  # PKCS#8 PEM, unencrypted
    chain: list[Path]  # issuing CA certificates, leaf-first, up to but excluding the root


@dataclass
class PkiWorld:
    base: Path
    crl_base_url: str
    ocsp_url: str
    roots: dict[str, Issued] = field(default_factory=dict)
    cas: dict[str, Issued] = field(default_factory=dict)  # roots and intermediates
    leaves: dict[str, Issued] = field(default_factory=dict)
    crls: dict[str, Path] = field(default_factory=dict)  # CA name → DER CRL
    uscc: dict[str, str] = field(default_factory=dict)  # leaf name → credit code in it
    person_ids: dict[str, str] = field(default_factory=dict)  # leaf name → resident ID number
    key_kinds: dict[str, KeyKind] = field(default_factory=dict)  # any name → its key's kind
    ocsp_signers: dict[str, str] = field(default_factory=dict)  # CA name → signer leaf name

    def ca_index(self, ca: str) -> Path:
        """The ``index.txt`` of that CA (what ``openssl ocsp -index`` reads)."""
        return self.ca_dir(ca) / "index.txt"

    def ca_dir(self, ca: str) -> Path:
        return self.base / "ca" / ca

    def crl_pem(self, ca: str) -> Path:
        """The PEM copy of that CA's CRL (``openssl verify -CRLfile`` wants PEM)."""
        return self.crls[ca].with_suffix(".pem")

    def get(self, name: str) -> Issued:
        """Any certificate by name: a CA or a leaf."""
        return self.cas[name] if name in self.cas else self.leaves[name]


# -- openssl -------------------------------------------------------------------------------


def openssl(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    """Run ``openssl`` with ``args``; on failure the exception carries openssl's stderr."""
    try:
        return subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        exc.add_note(exc.stderr.decode(errors="replace"))
        raise


def _pem_to_der(pem: Path, der: Path) -> None:
    body = re.search(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END", pem.read_bytes(), re.S)
    assert body is not None, f"no PEM block in {pem}"
    der.write_bytes(base64.b64decode(b"".join(body.group(1).split())))


def _subj(subject: Subject) -> str:
    def esc(value: str) -> str:
        return value.replace("\\", "\\\\").replace("/", "\\/").replace("=", "\\=")

    return "".join(f"/{attr}={esc(value)}" for attr, value in subject)


def resident_id(area: str, birth: str, sequence: int) -> str:
    """An 18-digit resident identity number (GB 11643-1999) with its ISO 7064 MOD 11-2 check."""
    first17 = f"{area}{birth}{sequence:03d}"
    assert len(first17) == 17 and first17.isdigit()
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers() -> int:
    return max(2, min(8, (os.cpu_count() or 2) * 2))


# -- certificate requests --------------------------------------------------------------------


@dataclass(frozen=True)
class _Req:
    name: str
    kind: KeyKind
    subject: Subject


_REQ_CNF = """\
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
"""


def _make_request(req: _Req, base: Path) -> None:
    """Generate ``keys/<name>.key`` and ``csr/<name>.csr`` (self-signed as the key requires)."""
    args: list[str | Path] = ["req", "-new", "-config", base / "req.cnf", "-utf8", "-noenc"]
    args += [*_NEWKEY[req.kind], "-keyout", base / "keys" / f"{req.name}.key"]
    args += ["-subj", _subj(req.subject), f"-{_DIGEST[req.kind]}"]
    if req.kind == "sm2":
        args += _SM2_SIGN
    openssl(*args, "-out", base / "csr" / f"{req.name}.csr")


# -- certificate authorities -----------------------------------------------------------------


def _ext_cnf(crl_url: str | None, ocsp_url: str) -> str:
    cdp = f"crlDistributionPoints = URI:{crl_url}\n" if crl_url else ""
    ids = "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n"
    ca_ku = "keyUsage = critical,keyCertSign,cRLSign\n"
    leaf_ku = "keyUsage = critical,digitalSignature,nonRepudiation\n"
    leaf_eku = "extendedKeyUsage = clientAuth,emailProtection\n"
    return (
        f"[root]\nbasicConstraints = critical,CA:TRUE\n{ca_ku}{ids}\n"
        f"[sub_ca]\nbasicConstraints = critical,CA:TRUE\n{ca_ku}{ids}{cdp}\n"
        f"[sub_ca_pathlen0]\nbasicConstraints = critical,CA:TRUE,pathlen:0\n{ca_ku}{ids}{cdp}\n"
        f"[leaf]\nbasicConstraints = CA:FALSE\n{leaf_ku}{leaf_eku}{ids}{cdp}\n"
        f"[leaf_nocdp]\nbasicConstraints = CA:FALSE\n{leaf_ku}{leaf_eku}{ids}\n"
        f"[leaf_ocsp]\nbasicConstraints = CA:FALSE\n{leaf_ku}{leaf_eku}{ids}"
        f"authorityInfoAccess = OCSP;URI:{ocsp_url}\n\n"
        "[leaf_wrong_ku]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,keyEncipherment\n"
        f"extendedKeyUsage = serverAuth\n{ids}{cdp}\n"
        "[ocsp_signer]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
        f"extendedKeyUsage = OCSPSigning\nnoCheck = ignored\n{ids}"
    )


_CA_CNF = """\
[ca]
default_ca = ca_default

[ca_default]
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
serial = {dir}/serial
crlnumber = {dir}/crlnumber
certificate = {cert}
private_key = {key}
default_md = {md}
default_days = 3650
default_crl_days = 30
policy = policy_anything
unique_subject = no
copy_extensions = none
preserve = yes
utf8 = yes
email_in_dn = no
string_mask = utf8only
name_opt = utf8,sep_comma_plus
cert_opt = ca_default
crl_extensions = crl_ext

[crl_ext]
authorityKeyIdentifier = keyid:always

[policy_anything]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
"""


@dataclass(frozen=True)
class _Ca:
    """An ``openssl ca`` database and the identity that signs with it."""

    name: str
    dir: Path
    cert: Path
    key: Path
    kind: KeyKind
    is_root: bool
    chain: list[Path]  # this CA's own chain (excluding the root)

    @property
    def config(self) -> Path:
        return self.dir / "openssl.cnf"

    @property
    def extfile(self) -> Path:
        return self.dir / "ext.cnf"

    def chain_below(self) -> list[Path]:
        """The chain of a certificate this CA issues."""
        return [] if self.is_root else [self.cert, *self.chain]

    def sign(
        self,
        csr: Path,
        out: Path,
        section: str,
        *,
        start: str = LEAF_START,
        end: str = LEAF_END,
        csr_kind: KeyKind,
        selfsign: bool = False,
        sm2_id: bool = True,
        sigopts: Sequence[str] = (),
    ) -> None:
        args: list[str | Path] = ["ca", "-batch", "-notext", "-utf8", "-preserveDN"]
        args += ["-config", self.config, "-extfile", self.extfile, "-extensions", section]
        args += ["-startdate", start, "-enddate", end, "-in", csr, "-out", out, *sigopts]
        if selfsign:
            args.append("-selfsign")
        if self.kind == "sm2" and sm2_id:
            args += _SM2_SIGN
        if csr_kind == "sm2":
            args += _SM2_VERIFY
        openssl(*args)

    def revoke(self, cert: Path, reason: str = "keyCompromise") -> None:
        openssl("ca", "-config", self.config, "-revoke", cert, "-crl_reason", reason)
        _backdate_revocations(self.dir / "index.txt")

    def gencrl(self, crl_dir: Path) -> Path:
        pem, der = crl_dir / f"{self.name}.pem", crl_dir / f"{self.name}.crl"
        args: list[str | Path] = ["ca", "-config", self.config, "-gencrl", "-out", pem]
        args += ["-crl_lastupdate", CRL_LAST_UPDATE, "-crl_nextupdate", CRL_NEXT_UPDATE]
        if self.kind == "sm2":
            args += _SM2_SIGN
        openssl(*args)
        _pem_to_der(pem, der)
        return der


def _backdate_revocations(index: Path) -> None:
    """Move every revocation date in ``index`` to :data:`REVOKED_AT` (2025-12-01)."""
    lines = []
    for line in index.read_text(encoding="latin-1").splitlines():
        cols = line.split("\t")
        if cols[0] == "R":
            reason = cols[2].partition(",")[2]
            cols[2] = f"{REVOKED_AT},{reason}" if reason else REVOKED_AT
        lines.append("\t".join(cols))
    index.write_text("".join(f"{line}\n" for line in lines), encoding="latin-1")


class _Builder:
    """Issues certificates from the keys and requests being made under ``base``; ``csr()`` and
    ``key()`` wait until the one asked for exists."""

    def __init__(self, world: PkiWorld, kinds: dict[str, KeyKind]) -> None:
        self.world = world
        self.base = world.base
        self.kinds = kinds
        self.requests: dict[str, Future[None]] = {}  # name → its key and request being made
        self.lock = threading.Lock()
        self.cas: dict[str, _Ca] = {}

    def csr(self, name: str) -> Path:
        self.requests[name].result()
        return self.base / "csr" / f"{name}.csr"

    def key(self, name: str) -> Path:
        self.requests[name].result()
        return self.base / "keys" / f"{name}.key"

    def cert(self, name: str) -> Path:
        return self.base / "certs" / f"{name}.pem"

    def new_ca(
        self,
        name: str,
        *,
        cert: Path | None = None,
        key: Path | None = None,
        is_root: bool,
        chain: list[Path],
        crl: bool = True,
    ) -> _Ca:
        """Create the database of a CA that signs as ``name`` (or as ``cert``/``key``)."""
        ca = _Ca(
            name=name,
            dir=self.base / "ca" / name,
            cert=cert or self.cert(name),
            key=key or self.key(name),
            kind=self.kinds[name],
            is_root=is_root,
            chain=chain,
        )
        (ca.dir / "newcerts").mkdir(parents=True)
        (ca.dir / "index.txt").write_text("")
        (ca.dir / "index.txt.attr").write_text("unique_subject = no\n")
        (ca.dir / "serial").write_text(f"{secrets.randbits(63) | 1 << 60:016X}\n")
        (ca.dir / "crlnumber").write_text("1000\n")
        crl_url = f"{self.world.crl_base_url}/{name}.crl" if crl else None
        ca.extfile.write_text(_ext_cnf(crl_url, self.world.ocsp_url))
        ca.config.write_text(
            _CA_CNF.format(dir=ca.dir, cert=ca.cert, key=ca.key, md=_DIGEST[ca.kind])
        )
        with self.lock:
            self.cas[name] = ca
        return ca

    def record(self, name: str, chain: list[Path], *, as_ca: bool, root: bool = False) -> Issued:
        cert = self.cert(name)
        der = cert.with_suffix(".der")
        _pem_to_der(cert, der)
        issued = Issued(name=name, cert=cert, der=der, key=self.key(name), chain=chain)
        with self.lock:
            if root:
                self.world.roots[name] = issued
            if as_ca:
                self.world.cas[name] = issued
            else:
                self.world.leaves[name] = issued
            self.world.key_kinds[name] = self.kinds[name]
        return issued

    def root(self, name: str, *, crl: bool = True) -> _Ca:
        ca = self.new_ca(name, is_root=True, chain=[], crl=crl)
        ca.sign(
            self.csr(name),
            ca.cert,
            "root",
            start=CA_START,
            end=CA_END,
            csr_kind=ca.kind,
            selfsign=True,
        )
        self.record(name, [], as_ca=True, root=True)
        return ca

    def sign_ca(self, issuer: _Ca, name: str, section: str = "sub_ca") -> None:
        csr, cert, kind = self.csr(name), self.cert(name), self.kinds[name]
        issuer.sign(csr, cert, section, start=CA_START, end=CA_END, csr_kind=kind)

    def sub_ca(self, issuer: _Ca, name: str, section: str = "sub_ca") -> _Ca:
        self.sign_ca(issuer, name, section)
        chain = issuer.chain_below()
        self.record(name, chain, as_ca=True)
        return self.new_ca(name, is_root=False, chain=chain)

    def leaf(
        self,
        issuer: _Ca,
        name: str,
        section: str = "leaf",
        *,
        start: str = LEAF_START,
        end: str = LEAF_END,
        sm2_id: bool = True,
        sigopts: Sequence[str] = (),
    ) -> Issued:
        issuer.sign(
            self.csr(name),
            self.cert(name),
            section,
            start=start,
            end=end,
            csr_kind=self.kinds[name],
            sm2_id=sm2_id,
            sigopts=sigopts,
        )
        return self.record(name, issuer.chain_below(), as_ca=False)

    def crl(self, *cas: _Ca) -> None:
        for ca in cas:
            der = ca.gencrl(self.base / "crl")
            with self.lock:
                self.world.crls[ca.name] = der


# -- the hierarchies -------------------------------------------------------------------------

_ST, _L = ("ST", "浙江省"), ("L", "杭州市")

# leaf name → company name; each gets the next credit code in 杭州市.
_COMPANIES = {
    "rsa-org": "杭州西湖建设工程有限公司",
    "rsa-pss": "杭州钱塘招标代理有限公司",
    "rsa-expired": "杭州余杭建材贸易有限公司",
    "rsa-notyet": "杭州萧山市政工程有限公司",
    "rsa-revoked": "杭州拱墅装饰工程有限公司",
    "rsa-wrong-ku": "杭州上城信息技术有限公司",
    "rsa-ou": "杭州滨江电子科技有限公司",
    "rsa-cn": "杭州临平园林绿化有限公司",
    "rsa-orgid": "杭州富阳水利工程有限公司",
    "rsa-ocsp-good": "杭州桐庐交通工程有限公司",
    "rsa-ocsp-revoked": "杭州淳安环境工程有限公司",
    "notca-issuer": "杭州建德机电设备有限公司",
    "notca-leaf": "杭州临安路桥工程有限公司",
    "ecdsa-org": "杭州西溪医疗器械有限公司",
    "ecdsa-p384": "杭州之江工程咨询有限公司",
    "sm2-org": "杭州天目工程监理有限公司",
    "sm2-revoked": "杭州运河设备安装有限公司",
    "sm2-emptyid": "杭州良渚文化旅游有限公司",
    "untrusted-org": "杭州未名认证服务有限公司",
    "pathlen-leaf": "杭州千岛湖物业管理有限公司",
    "loop-leaf": "杭州灵隐劳务分包有限公司",
    "long-leaf": "杭州九溪造价咨询有限公司",
}
_PERSONS = {
    "rsa-person": ("张伟", resident_id("330106", "19850315", 123)),
    "sm2-person": ("李娜", resident_id("330102", "19900708", 246)),
}
_CA_KINDS: dict[str, KeyKind] = {
    "rsa": "rsa",
    "rsa-int": "rsa",
    "ecdsa": "p384",
    "ecdsa-int": "p256",
    "sm2": "sm2",
    "sm2-int": "sm2",
    "untrusted": "rsa",
    # Structural cases: P-256, whose keys cost nothing to generate (RSA keys dominate the build).
    "pathlen": "p256",
    "pathlen-int": "p256",
    "pathlen-sub": "p256",
    "loop-a": "p256",
    "loop-b": "p256",
    "long": "p256",
    **{f"long-{i}": "p256" for i in range(1, 9)},
    "bench-rsa": "rsa",
    "bench-rsa-int": "rsa",
    "bench-p256": "p256",
    "bench-p256-int": "p256",
    "bench-sm2": "sm2",
    "bench-sm2-int": "sm2",
}
_CA_NAMES = {
    "rsa": "Prex Test RSA Root CA",
    "rsa-int": "Prex Test RSA Issuing CA",
    "ecdsa": "Prex Test ECDSA Root CA",
    "ecdsa-int": "Prex Test ECDSA Issuing CA",
    "sm2": "Prex Test SM2 Root CA",
    "sm2-int": "Prex Test SM2 Issuing CA",
    "untrusted": "Untrusted Root CA",
    "loop-a": "Loop A",
    "loop-b": "Loop B",
}


def _leaf_kind(name: str) -> KeyKind:
    if name.startswith("sm2"):
        return "sm2"
    if name == "ecdsa-p384":
        return "p384"
    return "p256" if name.startswith(("ecdsa", "pathlen", "loop", "long", "notca")) else "rsa"


def _requests(world: PkiWorld) -> list[_Req]:
    reqs = []
    for name, kind in _CA_KINDS.items():
        cn = _CA_NAMES.get(name, f"Prex Test CA {name}")
        reqs.append(_Req(name, kind, (("C", "CN"), ("O", "Prex 测试 PKI"), ("CN", cn))))
    for serial, (name, company) in enumerate(_COMPANIES.items(), start=1):
        code = uscc_for(DIVISION, serial)
        world.uscc[name] = code
        where: Subject = (("C", "CN"), _ST, _L, ("O", company))
        subject: Subject
        if name == "rsa-ou":
            subject = (*where, ("OU", code), ("CN", company))
        elif name == "rsa-cn":
            subject = (*where, ("CN", code))
        elif name == "rsa-orgid":
            subject = (*where, ("organizationIdentifier", code), ("CN", company))
        else:
            subject = (*where, ("serialNumber", code), ("CN", company))
        reqs.append(_Req(name, _leaf_kind(name), subject))
    for name, (person, number) in _PERSONS.items():
        world.person_ids[name] = number
        subject = (("C", "CN"), _ST, _L, ("serialNumber", number), ("CN", person))
        reqs.append(_Req(name, _leaf_kind(name), subject))
    signer = (("C", "CN"), ("O", "Prex 测试 PKI"), ("CN", "Prex Test RSA OCSP Responder"))
    reqs.append(_Req("rsa-ocsp-signer", "rsa", signer))
    return reqs


def _rsa(b: _Builder) -> None:
    root = b.root("rsa")
    ca = b.sub_ca(root, "rsa-int", "sub_ca_pathlen0")
    for name in ("rsa-org", "rsa-revoked", "rsa-wrong-ku", "rsa-ou", "rsa-cn", "rsa-orgid"):
        b.leaf(ca, name, "leaf_wrong_ku" if name == "rsa-wrong-ku" else "leaf")
    b.leaf(ca, "rsa-person")
    pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
    b.leaf(ca, "rsa-pss", sigopts=pss)
    b.leaf(ca, "rsa-expired", start=CA_START, end="20260101000000Z")
    b.leaf(ca, "rsa-notyet", start="20290101000000Z", end=LEAF_END)
    for name in ("rsa-ocsp-good", "rsa-ocsp-revoked"):
        b.leaf(ca, name, "leaf_ocsp")
    b.leaf(ca, "rsa-ocsp-signer", "ocsp_signer")
    b.world.ocsp_signers["rsa-int"] = "rsa-ocsp-signer"
    # A CA:FALSE certificate whose key then issues a leaf anyway.
    issuer = b.leaf(ca, "notca-issuer")
    fake = b.new_ca("notca-issuer", is_root=False, chain=issuer.chain, crl=False)
    b.leaf(fake, "notca-leaf", "leaf_nocdp")
    ca.revoke(b.cert("rsa-revoked"))
    b.crl(root, ca)
    # Revoked after the CRL was issued: only OCSP knows (and the leaf has no CRL DP anyway).
    ca.revoke(b.cert("rsa-ocsp-revoked"))


def _ecdsa(b: _Builder) -> None:
    root = b.root("ecdsa")
    ca = b.sub_ca(root, "ecdsa-int")
    b.leaf(ca, "ecdsa-org")
    b.leaf(ca, "ecdsa-p384")
    b.crl(root, ca)


def _sm2(b: _Builder) -> None:
    root = b.root("sm2")
    ca = b.sub_ca(root, "sm2-int")
    for name in ("sm2-org", "sm2-person", "sm2-revoked"):
        b.leaf(ca, name)
    b.leaf(ca, "sm2-emptyid", sm2_id=False)
    ca.revoke(b.cert("sm2-revoked"))
    b.crl(root, ca)


def _untrusted(b: _Builder) -> None:
    root = b.root("untrusted")
    b.leaf(root, "untrusted-org")
    b.crl(root)


def _pathlen(b: _Builder) -> None:
    root = b.root("pathlen")
    ca = b.sub_ca(root, "pathlen-int", "sub_ca_pathlen0")
    sub = b.sub_ca(ca, "pathlen-sub")  # violates pathlen-int's pathlen:0
    b.leaf(sub, "pathlen-leaf")
    b.crl(root, ca, sub)


def _loop(b: _Builder) -> None:
    # Loop B first signs as a throw-away self-signed certificate (only its name and key matter
    # to `openssl ca`), which issues Loop A; Loop A then issues the real Loop B and the leaf.
    tmp_b = b.base / "ca" / "loop-b-selfsigned.pem"
    ca_b = b.new_ca("loop-b", cert=tmp_b, is_root=False, chain=[b.cert("loop-a")], crl=False)
    ca_b.sign(
        b.csr("loop-b"), tmp_b, "root", start=CA_START, end=CA_END, csr_kind="p256", selfsign=True
    )
    b.sign_ca(ca_b, "loop-a")
    b.record("loop-a", [b.cert("loop-b")], as_ca=True)
    ca_a = b.new_ca("loop-a", is_root=False, chain=[b.cert("loop-b")], crl=False)
    b.sign_ca(ca_a, "loop-b")
    b.record("loop-b", [b.cert("loop-a")], as_ca=True)
    b.leaf(ca_a, "loop-leaf", "leaf_nocdp")


def _long(b: _Builder) -> None:
    cas = [b.root("long")]
    for i in range(1, 9):
        cas.append(b.sub_ca(cas[-1], f"long-{i}"))
    b.leaf(cas[-1], "long-leaf")
    b.crl(*cas)


def _bench(prefix: str) -> Callable[[_Builder], None]:
    def build(b: _Builder) -> None:
        root = b.root(prefix)
        ca = b.sub_ca(root, f"{prefix}-int")
        b.crl(root, ca)

    return build


_HIERARCHIES: list[Callable[[_Builder], None]] = [
    _rsa,
    _sm2,
    _long,
    _ecdsa,
    _pathlen,
    _loop,
    _untrusted,
    _bench("bench-rsa"),
    _bench("bench-p256"),
    _bench("bench-sm2"),
]


def build_pki(base: Path, crl_base_url: str, ocsp_url: str) -> PkiWorld:
    """Build every hierarchy under ``base`` (which may exist but should be empty)."""
    world = PkiWorld(base=base, crl_base_url=crl_base_url.rstrip("/"), ocsp_url=ocsp_url)
    for sub in ("keys", "csr", "certs", "crl", "ca"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "req.cnf").write_text(_REQ_CNF)
    reqs = _requests(world)
    builder = _Builder(world, {r.name: r.kind for r in reqs})
    with (
        ThreadPoolExecutor(_workers()) as keygen,
        ThreadPoolExecutor(len(_HIERARCHIES)) as issuing,
    ):
        # RSA key generation dominates the build: keys are made in parallel, CAs' first, and
        # each hierarchy issues as soon as the keys it needs exist.
        for r in sorted(reqs, key=lambda r: (r.name not in _CA_KINDS, r.kind != "rsa")):
            builder.requests[r.name] = keygen.submit(_make_request, r, base)
        for done in [issuing.submit(h, builder) for h in _HIERARCHIES]:
            done.result()
    # Dictionaries in a stable order, whatever order the threads finished in.
    order = {r.name: i for i, r in enumerate(reqs)}
    for table in (world.roots, world.cas, world.leaves):
        _reorder(table, order)
    _reorder(world.crls, order)
    _reorder(world.key_kinds, order)
    return world


def _reorder(table: dict[str, T], order: dict[str, int]) -> None:
    items = sorted(table.items(), key=lambda item: order[item[0]])
    table.clear()
    table.update(items)


# -- benchmarks ------------------------------------------------------------------------------


def issue_leaves(world: PkiWorld, ca: str, count: int, out_dir: Path) -> list[Path]:
    """Issue ``count`` normal leaf certificates from ``ca`` into ``out_dir`` (PEM files).

    All share one key, ``out_dir/leaf.key`` (of the CA's key kind); each has its own subject
    and serial. Requests are made in parallel and signed by one ``openssl ca -infiles`` run.
    """
    kind = world.key_kinds[ca]
    out_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    key, csr_dir = out_dir / "leaf.key", out_dir / f"csr-{token}"
    csr_dir.mkdir()
    req_cnf = world.base / "req.cnf"
    if not key.exists():
        args: list[str | Path] = ["req", "-new", "-config", req_cnf, "-noenc", *_NEWKEY[kind]]
        openssl(*args, "-keyout", key, "-subj", "/CN=key", "-out", csr_dir / "key.csr")

    def request(i: int) -> Path:
        csr = csr_dir / f"{i:05d}.csr"
        subject = (
            ("C", "CN"),
            _ST,
            _L,
            ("O", f"基准测试单位{token}-{i}"),
            ("serialNumber", uscc_for(DIVISION, 500_000_000 + i)),
            ("CN", f"基准测试单位{token}-{i}"),
        )
        args: list[str | Path] = ["req", "-new", "-config", req_cnf, "-utf8", "-key", key]
        args += [f"-{_DIGEST[kind]}", *(_SM2_SIGN if kind == "sm2" else [])]
        openssl(*args, "-subj", _subj(subject), "-out", csr)
        return csr

    with ThreadPoolExecutor(_workers()) as pool:
        csrs = list(pool.map(request, range(count)))
    ca_dir, new_dir = world.ca_dir(ca), out_dir / f"new-{token}"
    new_dir.mkdir()
    # With several -infiles, OpenSSL 3.0's `ca -out` keeps only the last certificate; -outdir
    # (a fresh one) gets them all, as <serial>.pem.
    args = ["ca", "-batch", "-notext", "-utf8", "-preserveDN", "-config", ca_dir / "openssl.cnf"]
    args += ["-extfile", ca_dir / "ext.cnf", "-extensions", "leaf", "-outdir", new_dir]
    args += ["-startdate", LEAF_START, "-enddate", LEAF_END, "-out", os.devnull]
    args += [*_SM2_SIGN, *_SM2_VERIFY] if kind == "sm2" else []
    openssl(*args, "-infiles", *csrs)
    issued = sorted(new_dir.glob("*.pem"), key=lambda path: int(path.stem, 16))
    assert len(issued) == count, f"openssl ca issued {len(issued)} of {count} certificates"
    paths = []
    for i, pem in enumerate(issued):
        paths.append(pem.rename(out_dir / f"leaf-{token}-{i:05d}.pem"))
    new_dir.rmdir()
    return paths


# -- serving ---------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up early is not worth a traceback on stderr


@contextmanager
def serve_directory(directory: Path, port: int) -> Iterator[str]:
    """Serve the files of ``directory`` over HTTP on 127.0.0.1:``port``; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"serve:{port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def ocsp_responder(world: PkiWorld, ca: str, port: int | None = None) -> Iterator[str]:
    """Run ``openssl ocsp`` as the responder of ``ca`` (on the port of ``world.ocsp_url`` unless
    told otherwise) until the block ends; yields its URL.

    It answers from the CA's ``index.txt`` and signs with the CA's OCSP signer
    (``world.ocsp_signers[ca]``). OpenSSL 3.0's responder listens on every interface, puts the
    real current time in thisUpdate (after the tests' fixed clock; nextUpdate is 3650 days on),
    serves one connection at a time and exits when a client connects and hangs up without
    sending a request (with ``-ignore_err`` it spins at 100 % CPU instead): so readiness is
    read from its "ACCEPT" line, then proved by one real request, never by a bare TCP probe.
    """
    if port is None:
        port = urlsplit(world.ocsp_url).port
        assert port is not None, f"no port in {world.ocsp_url}"
    signer = world.leaves[world.ocsp_signers[ca]]
    ca_cert = world.cas[ca].cert
    args = ["openssl", "ocsp", "-index", str(world.ca_index(ca)), "-port", str(port)]
    args += ["-rsigner", str(signer.cert), "-rkey", str(signer.key)]
    args += ["-CA", str(ca_cert), "-ndays", "3650"]
    log_path = world.base / f"ocsp-{ca}-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while b"ACCEPT" not in log_path.read_bytes():
            if proc.poll() is not None:
                raise RuntimeError(f"openssl ocsp exited: {log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"openssl ocsp is not listening on {port}")
            time.sleep(0.01)
        openssl("ocsp", "-issuer", ca_cert, "-cert", signer.cert, "-url", url, "-noverify")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
