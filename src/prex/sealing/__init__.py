"""The offline sealing client: runs on the bidder's machine and imports nothing of the server
(no database, web, settings or services), only the envelope format and the pki primitives."""
