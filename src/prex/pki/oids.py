"""Teach asn1crypto the Chinese commercial-cryptography object identifiers it lacks.

asn1crypto keeps its OID tables as class attributes; registering here, once, on import, is the
library's own extension point (``NamedCurve.register``) or the documented ``_map`` tables. Every
``prex.pki`` module that parses SM2 material imports this module first.
"""

from __future__ import annotations

from asn1crypto import algos, cms, keys

SM2_CURVE = "1.2.156.10197.1.301"
SM2_SIGN = "1.2.156.10197.1.301.1"  # sm2sign, the signature algorithm in GB/T 35275 SignerInfo
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM3 = "1.2.156.10197.1.401"
# GB/T 35275-2017 content types.
GM_DATA = "1.2.156.10197.6.1.4.2.1"
GM_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"

_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    if SM2_CURVE not in keys.NamedCurve._map:
        keys.NamedCurve.register("sm2p256v1", SM2_CURVE, 32)
    algos.DigestAlgorithmId._map.setdefault(SM3, "sm3")
    algos.DigestAlgorithmId._reverse_map = None  # rebuilt lazily from _map
    algos.SignedDigestAlgorithmId._map.setdefault(SM2_WITH_SM3, "sm2_sm3")
    algos.SignedDigestAlgorithmId._map.setdefault(SM2_SIGN, "sm2sign")
    algos.SignedDigestAlgorithmId._reverse_map = None
    cms.ContentType._map.setdefault(GM_DATA, "gm_data")
    cms.ContentType._map.setdefault(GM_SIGNED_DATA, "gm_signed_data")
    cms.ContentType._reverse_map = None
    cms.ContentInfo._oid_specs = {
        **cms.ContentInfo._oid_specs,
        "gm_data": cms.OctetString,
        "gm_signed_data": cms.SignedData,
    }
    cms.EncapsulatedContentInfo._oid_specs = {
        **cms.EncapsulatedContentInfo._oid_specs,
        "gm_data": cms.ParsableOctetString,
    }
    _registered = True


register()
