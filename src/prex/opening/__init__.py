"""The opening context: the decryption window after the bid deadline, the release of key shares
or content keys, opening every committed envelope, the price reading (唱标), bidders'
confirmations and objections, and the signed, published opening record."""
