"""CA mutual recognition (CA互认): the trust list, certificate paths for RSA, ECDSA and SM2,
revocation, holder identity, signatures and timestamps."""
