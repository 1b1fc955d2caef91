// prex-web-seal: seal a bid in the browser and submit only the sealed envelope.
//
// This module writes a prex envelope, version 1, suite P256-AES256GCM, laid out byte for byte
// as `prex bid seal` does (docs/envelope-format.md; the Python reference is
// src/prex/envelope/{container,pack,stream,ecies}.py and src/prex/pki/cms.py). The bid form,
// the documents and the bidder's private key are read from local files and never sent: the
// key is imported into WebCrypto as non-extractable, the archive is encrypted chunk by chunk
// under a fresh content key, and the only request body this page ever sends is the envelope.
//
// No build step and no dependencies: the bid page (templates/bid_seal.html) loads this file
// as an ES module. WebCrypto does AES-GCM, ECDH, HKDF, ECDSA and RSA; what it lacks is written
// out here, small and commented: an incremental SHA-256 (WebCrypto hashes whole buffers only,
// and documents may be hundreds of megabytes), a DER reader and writer for certificates, keys
// and the CMS signature, and canonical JSON.
//
// Sections: bytes · SHA-256 · DER · PEM, certificates and keys · canonical JSON · archive ·
// STREAM · ECIES · CMS · the envelope · the page.

"use strict";

export const TOOL = "prex-web-seal/1";
export const SUITE = "P256-AES256GCM";
export const CHUNK_SIZE = 64 * 1024; // stream.DEFAULT_CHUNK
const READ = 1024 * 1024; // bytes read from a file at a time
const BATCH = 4 * 1024 * 1024; // sealed bytes gathered into one Blob part

/** A refusal the page can explain: ``code`` picks the translated message, ``detail`` adds
 * what (a file name, an amount, the server's words). */
export class SealError extends Error {
  constructor(code, detail = "") {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
    this.detail = detail;
  }
}

// -- bytes ------------------------------------------------------------------------------------

const encoder = new TextEncoder();
export const utf8 = (text) => encoder.encode(text);

export function concat(parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function fromHex(text) {
  if (typeof text !== "string" || !/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
    throw new SealError("params", "not hexadecimal");
  }
  return Uint8Array.from(text.match(/../g) || [], (pair) => parseInt(pair, 16));
}

/** Standard base64 with padding (Python's base64.b64encode). */
export function base64(bytes) {
  let text = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text) {
  const binary = atob(text.replace(/\s+/g, ""));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

// Big-endian integers, as everywhere in the format.
function u16(n) {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, n);
  return out;
}
function u32(n) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}
function u64(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function sameBytes(a, b) {
  return a.length === b.length && compareBytes(a, b) === 0;
}

// -- SHA-256 (FIPS 180-4), incremental ---------------------------------------------------------
// WebCrypto's digest() takes one whole buffer; documents and the payload are hashed as they
// stream past instead, so that memory stays bounded by the read size.

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export class Sha256 {
  constructor() {
    this.state = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19,
    ]);
    this.w = new Uint32Array(64);
    this.pending = new Uint8Array(64); // the start of a block not yet complete
    this.pendingLength = 0;
    this.length = 0; // bytes hashed so far (a Number: exact up to 2^53)
  }

  update(data) {
    let at = 0;
    this.length += data.length;
    if (this.pendingLength > 0) {
      const take = Math.min(64 - this.pendingLength, data.length);
      this.pending.set(data.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      at = take;
      if (this.pendingLength < 64) return this;
      this.block(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; at + 64 <= data.length; at += 64) this.block(data, at);
    if (at < data.length) {
      this.pending.set(data.subarray(at), 0);
      this.pendingLength = data.length - at;
    }
    return this;
  }

  /** The 32-byte digest; the object is used up. */
  digest() {
    const tail = new Uint8Array(this.pendingLength < 56 ? 64 : 128);
    tail.set(this.pending.subarray(0, this.pendingLength));
    tail[this.pendingLength] = 0x80;
    const bits = this.length * 8;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    for (let at = 0; at < tail.length; at += 64) this.block(tail, at);
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    this.state.forEach((word, i) => outView.setUint32(4 * i, word));
    return out;
  }

  block(data, at) {
    const w = this.w;
    for (let i = 0; i < 16; i++, at += 4) {
      w[i] = (data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    const s = this.state;
    let [a, b, c, d, e, f, g, h] = s;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    s[0] += a; // a Uint32Array wraps modulo 2^32
    s[1] += b;
    s[2] += c;
    s[3] += d;
    s[4] += e;
    s[5] += f;
    s[6] += g;
    s[7] += h;
  }
}

export const sha256 = (bytes) => new Sha256().update(bytes).digest();
const sha256Text = (text) => hex(sha256(utf8(text)));

// -- DER (X.690) -------------------------------------------------------------------------------
// Writing: every value is built as bytes, definite lengths, SET OF sorted as DER requires
// (ascending byte order — what asn1crypto writes on the Python side, so both sign the same
// octets). Reading: enough to walk certificates and private keys (single-byte tags, definite
// lengths up to 4 bytes).

function derLength(length) {
  if (length < 0x80) return [length];
  const bytes = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

export function tlv(tag, ...contents) {
  const body = concat(contents);
  return concat([Uint8Array.of(tag, ...derLength(body.length)), body]);
}

const seq = (...contents) => tlv(0x30, ...contents);
const setOf = (items) => tlv(0x31, ...[...items].sort(compareBytes));
const octetString = (bytes) => tlv(0x04, bytes);
const NULL = Uint8Array.of(0x05, 0x00);
/** ``[n] IMPLICIT`` of a constructed value: the same octets under a context tag. */
const implicit = (n, encoded) => concat([Uint8Array.of(0xa0 | n), encoded.subarray(1)]);

function smallInteger(n) {
  return tlv(0x02, Uint8Array.of(n)); // 0…127
}

/** An INTEGER from unsigned big-endian bytes (minimal, positive). */
function unsignedInteger(bytes) {
  let at = 0;
  while (at < bytes.length - 1 && bytes[at] === 0) at++;
  const body = bytes.subarray(at);
  return tlv(0x02, body[0] & 0x80 ? concat([Uint8Array.of(0), body]) : body);
}

export function oid(dotted) {
  const arcs = dotted.split(".").map(Number);
  const out = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const group = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) {
      group.unshift(0x80 | (n & 0x7f));
    }
    out.push(...group);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** signingTime as RFC 5652 §11.3 wants it: UTCTime for 1950–2049, else GeneralizedTime. */
function derTime(date) {
  const year = date.getUTCFullYear();
  const two = (n) => String(n).padStart(2, "0");
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    "Z";
  if (year >= 1950 && year < 2050) return tlv(0x17, utf8(two(year % 100) + rest));
  return tlv(0x18, utf8(String(year).padStart(4, "0") + rest));
}

class DerError extends Error {}

/** One TLV at ``at``: {tag, start, contentStart, end} over ``bytes``. */
function readTlv(bytes, at, end = bytes.length) {
  if (at + 2 > end) throw new DerError("truncated DER");
  const tag = bytes[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not supported");
  let length = bytes[at + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError("unsupported DER length");
    if (at + 2 + count > end) throw new DerError("truncated DER");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at + 2 + i];
    header += count;
  }
  const contentStart = at + header;
  if (contentStart + length > end) throw new DerError("truncated DER");
  return { bytes, tag, start: at, contentStart, end: contentStart + length };
}

function children(node) {
  const out = [];
  for (let at = node.contentStart; at < node.end; ) {
    const child = readTlv(node.bytes, at, node.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

const rawOf = (node) => node.bytes.subarray(node.start, node.end);
const contentOf = (node) => node.bytes.subarray(node.contentStart, node.end);

function oidText(node) {
  if (node.tag !== 0x06) throw new DerError("an OBJECT IDENTIFIER was expected");
  const body = contentOf(node);
  const arcs = [];
  let value = 0;
  for (const byte of body) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs.shift();
  const top = Math.min(2, Math.floor(first / 40));
  return [top, first - 40 * top, ...arcs].join(".");
}

/** The text of a directory string (what names carry). */
function stringOf(node) {
  const body = contentOf(node);
  if (node.tag === 0x1e) {
    let text = ""; // BMPString: UTF-16BE
    for (let i = 0; i + 1 < body.length; i += 2) {
      text += String.fromCharCode((body[i] << 8) | body[i + 1]);
    }
    return text;
  }
  if (node.tag === 0x1c) {
    let text = ""; // UniversalString: UTF-32BE
    for (let i = 0; i + 3 < body.length; i += 4) {
      const point = (body[i] << 24) | (body[i + 1] << 16) | (body[i + 2] << 8) | body[i + 3];
      text += String.fromCodePoint(point >>> 0);
    }
    return text;
  }
  if (node.tag === 0x14) return String.fromCharCode(...body); // T61String, read as Latin-1
  return new TextDecoder().decode(body); // UTF8String, PrintableString, IA5String, …
}

// -- PEM, certificates and keys ----------------------------------------------------------------

export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  sm2: "1.2.156.10197.1.301",
};

/** The PEM blocks of a text: [{label, der}]. */
export function pemBlocks(text) {
  const found = [];
  const pattern = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/g;
  for (const match of text.matchAll(pattern)) {
    try {
      found.push({ label: match[1], der: fromBase64(match[2]) });
    } catch {
      // not base64: skip the block; the caller says what is missing
    }
  }
  return found;
}

/** The kind of a public or private key from its AlgorithmIdentifier node. */
function keyKind(algorithm) {
  const [algorithmOid, parameters] = children(algorithm);
  const name = oidText(algorithmOid);
  if (name === OID.rsaEncryption) return "rsa";
  if (name === OID.sm2) return "sm2";
  if (name === OID.ecPublicKey && parameters && parameters.tag === 0x06) {
    const curve = oidText(parameters);
    if (curve === OID.p256) return "ec-p256";
    if (curve === OID.p384) return "ec-p384";
    if (curve === OID.sm2) return "sm2";
    return `ec ${curve}`;
  }
  return name;
}

/** The parts of an X.509 certificate the envelope needs: DER, serial number and issuer (as
 * the signature names the signer), the subject's text values (for the credit code), the
 * public key. */
export function parseCertificate(der) {
  try {
    const certificate = readTlv(der, 0);
    if (certificate.tag !== 0x30 || certificate.end !== der.length) {
      throw new DerError("not a certificate");
    }
    const [tbs] = children(certificate);
    const fields = children(tbs);
    const i = fields[0].tag === 0xa0 ? 1 : 0; // [0] version
    const [serial, , issuer, , subject, spki] = fields.slice(i);
    const texts = [];
    for (const rdn of children(subject)) {
      for (const pair of children(rdn)) {
        const [, value] = children(pair);
        texts.push(stringOf(value));
      }
    }
    return {
      der,
      serial: rawOf(serial),
      issuer: rawOf(issuer),
      subjectTexts: texts,
      spki: rawOf(spki),
      keyKind: keyKind(children(spki)[0]),
    };
  } catch (error) {
    if (error instanceof DerError || error instanceof TypeError) {
      throw new SealError("certificate", error.message);
    }
    throw error;
  }
}

/** Certificates from a file's bytes: PEM (several blocks: the holder's first, then its CAs)
 * or one DER certificate. */
export function readCertificates(bytes) {
  if (bytes[0] === 0x30) return [parseCertificate(bytes)];
  const text = new TextDecoder().decode(bytes);
  const blocks = pemBlocks(text).filter((b) => b.label === "CERTIFICATE");
  if (blocks.length === 0) throw new SealError("certificate");
  return blocks.map((b) => parseCertificate(b.der));
}

/** How each supported signing key signs (WebCrypto) and how CMS names it. */
const SIGNERS = {
  rsa: {
    import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
    algorithm: () => seq(oid(OID.sha256WithRSA), NULL),
  },
  "ec-p256": {
    import: { name: "ECDSA", namedCurve: "P-256" },
    sign: { name: "ECDSA", hash: "SHA-256" },
    algorithm: () => seq(oid(OID.ecdsaWithSha256)),
  },
};

/** A PKCS#8 PrivateKeyInfo from a key file: PKCS#8 PEM or DER as such; the older PKCS#1
 * ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY") PEM wrapped into PKCS#8. */
function pkcs8Of(bytes) {
  if (bytes[0] === 0x30) return bytes;
  const blocks = pemBlocks(new TextDecoder().decode(bytes));
  if (blocks.some((b) => b.label === "ENCRYPTED PRIVATE KEY")) throw new SealError("key_encrypted");
  const block = blocks.find((b) => b.label.endsWith("PRIVATE KEY"));
  if (!block) throw new SealError("key");
  if (block.label === "PRIVATE KEY") return block.der;
  if (block.label === "RSA PRIVATE KEY") {
    return seq(smallInteger(0), seq(oid(OID.rsaEncryption), NULL), octetString(block.der));
  }
  if (block.label === "EC PRIVATE KEY") {
    const curve = children(readTlv(block.der, 0)).find((n) => n.tag === 0xa0);
    if (!curve) throw new SealError("key", "the EC key does not name its curve");
    const algorithm = seq(oid(OID.ecPublicKey), contentOf(curve));
    return seq(smallInteger(0), algorithm, octetString(block.der));
  }
  throw new SealError("key", block.label);
}

/** The signing key, imported non-extractable: the page can sign with it and nothing can read
 * it back out. */
export async function importSigningKey(bytes) {
  let pkcs8;
  let kind;
  try {
    pkcs8 = pkcs8Of(bytes);
    const [, algorithm] = children(readTlv(pkcs8, 0));
    kind = keyKind(algorithm);
  } catch (error) {
    if (error instanceof DerError || error instanceof TypeError) {
      throw new SealError("key", error.message);
    }
    throw error;
  }
  if (!Object.hasOwn(SIGNERS, kind)) {
    throw new SealError(kind === "sm2" ? "suite_sm2" : "key_kind", kind);
  }
  try {
    const key = await crypto.subtle.importKey("pkcs8", pkcs8, SIGNERS[kind].import, false, [
      "sign",
    ]);
    return { key, kind };
  } catch (error) {
    throw new SealError("key", error.message);
  }
}

// -- canonical JSON (container.canonical) -----------------------------------------------------
// json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False): keys sorted by
// code point, no spaces, non-ASCII kept as UTF-8. JSON.stringify escapes strings exactly as
// Python does with ensure_ascii=False (\" \\ \b \f \n \r \t, other controls as \u00xx);
// numbers must be integers (the header has no others), so no float formatting differs.

function byCodePoint(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

export function canonicalText(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new Error(`canonical JSON takes integers only, not ${value}`);
    }
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(",")}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalText(value[k])}`).join(",")}}`;
}

export const canonical = (value) => utf8(canonicalText(value));

/** The bid form and fingerprint as `prex bid seal` writes them: json.dumps(value,
 * ensure_ascii=False, indent=1) — the same text as JSON.stringify(value, null, 1). */
const prettyJson = (value) => utf8(JSON.stringify(value, null, 1));

// -- the bid archive (pack.py) -----------------------------------------------------------------
//   archive := "PREXPACK" entry* u16 0;  entry := u16 name_length ‖ name ‖ u64 size ‖ bytes

const PACK_MAGIC = utf8("PREXPACK");
export const FORM = "bid-form.json";
export const FINGERPRINT = "fingerprint.json";

/** pack.check_name: relative, "/"-separated, no empty, ".", ".." or hidden segments, no control
 * characters or backslashes, at most 255 bytes. */
export function checkName(name) {
  const parts = name.split("/");
  const bad =
    !name ||
    utf8(name).length > 255 ||
    name.startsWith("/") ||
    parts.some((p) => p === "" || p === "." || p === ".." || p.startsWith(".")) ||
    [...name].some((ch) => ch.codePointAt(0) < 32 || ch === "\\");
  if (bad) throw new SealError("document_name", name);
  return name;
}

function entryHeader(name, size) {
  const encoded = utf8(checkName(name));
  return concat([u16(encoded.length), encoded, u64(size)]);
}

// -- STREAM (stream.py) ------------------------------------------------------------------------
// Chunk i of chunk_size plaintext bytes is sealed with AES-256-GCM under the nonce
// prefix(7) ‖ u32 i ‖ u8 last and the binding as associated data; the final chunk (the only one
// with last = 1) may be full. A chunk is sealed only once a byte beyond it has arrived, so
// the last one is known to be last.

class StreamSealer {
  constructor(key, prefix, aad, chunkSize, emit) {
    this.key = key;
    this.prefix = prefix;
    this.aad = aad;
    this.chunkSize = chunkSize;
    this.emit = emit; // async (sealed chunk) => void
    this.buffer = new Uint8Array(chunkSize);
    this.filled = 0;
    this.index = 0;
  }

  async write(data) {
    for (let at = 0; at < data.length; ) {
      if (this.filled === this.chunkSize) await this.seal(false); // more follows: not the last
      const take = Math.min(this.chunkSize - this.filled, data.length - at);
      this.buffer.set(data.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
    }
  }

  async finish() {
    await this.seal(true);
  }

  async seal(last) {
    if (this.index >= 2 ** 32 - 1) throw new SealError("too_large");
    const nonce = new Uint8Array(12);
    nonce.set(this.prefix);
    new DataView(nonce.buffer).setUint32(7, this.index);
    nonce[11] = last ? 1 : 0;
    // encrypt() copies its input when called, so the buffer can be refilled at once
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: this.aad, tagLength: 128 },
      this.key,
      this.buffer.subarray(0, this.filled),
    );
    this.index += 1;
    this.filled = 0;
    await this.emit(new Uint8Array(sealed));
  }
}

/** stream.sealed_length: how many bytes ``plainLength`` bytes of plaintext become. */
export const sealedLength = (plainLength, chunkSize = CHUNK_SIZE) =>
  plainLength + Math.max(1, Math.ceil(plainLength / chunkSize)) * 16;

// -- ECIES kind 0x01 (ecies.py) ----------------------------------------------------------------
//   0x01 ‖ E (65) ‖ N (12) ‖ AES-256-GCM(K, N, secret, aad = info) ‖ tag (16), where
//   Z = ECDH(e, R).x, K = HKDF-SHA256(Z, salt = E ‖ R, info = "prex-ecies-v1" ‖ info, 32).

const ECDH_P256 = { name: "ECDH", namedCurve: "P-256" };

export async function eciesWrapP256(recipientPoint, secret, info) {
  const recipient = await crypto.subtle.importKey("raw", recipientPoint, ECDH_P256, false, []);
  const ephemeral = await crypto.subtle.generateKey(ECDH_P256, false, ["deriveBits"]);
  const ephemeralPoint = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const shared = await crypto.subtle.deriveBits(
    { name: "ECDH", public: recipient },
    ephemeral.privateKey,
    256,
  );
  const ikm = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: concat([ephemeralPoint, recipientPoint]),
      info: concat([utf8("prex-ecies-v1"), info]),
    },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: info, tagLength: 128 },
    key,
    secret,
  );
  return concat([Uint8Array.of(0x01), ephemeralPoint, nonce, new Uint8Array(sealed)]);
}

/** The uncompressed point of a P-256 certificate's key (the bidder's encryption certificate). */
async function pointOf(certificate) {
  if (certificate.keyKind !== "ec-p256") {
    throw new SealError("encryption_certificate", certificate.keyKind);
  }
  const key = await crypto.subtle.importKey("spki", certificate.spki, ECDH_P256, true, []);
  return new Uint8Array(await crypto.subtle.exportKey("raw", key));
}

// -- CMS SignedData, detached (cms.py sign_detached) -------------------------------------------
// ContentInfo { signedData, [0] SignedData { 1, {sha256}, {data}, [0] certificates,
// { SignerInfo { 1, issuerAndSerialNumber, sha256, [0] signedAttrs, algorithm, signature } } } }
// signedAttrs: contentType = data, signingTime, messageDigest = SHA-256(content) and the ESS
// signingCertificateV2 naming the signer's certificate by hash, issuer and serial. The
// signature covers the attributes encoded as a SET OF (tag 0x31), RFC 5652 §5.4.

const SHA256_ALGORITHM = () => seq(oid(OID.sha256), NULL);

const attribute = (type, value) => seq(oid(type), setOf([value]));

/** WebCrypto's ECDSA signature is r ‖ s; CMS wants SEQUENCE { INTEGER r, INTEGER s }. */
export function ecdsaDer(raw) {
  const half = raw.length / 2;
  return seq(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

export async function signDetached(content, signer, chain, signingKey, signingTime) {
  const scheme = SIGNERS[signingKey.kind];
  if (signer.keyKind !== signingKey.kind) throw new SealError("key_mismatch");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", content));
  const certificateHash = new Uint8Array(await crypto.subtle.digest("SHA-256", signer.der));
  const essCertificate = seq(
    seq(seq(octetString(certificateHash), seq(seq(tlv(0xa4, signer.issuer)), signer.serial))),
  );
  const signedAttributes = setOf([
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.signingTime, derTime(signingTime)),
    attribute(OID.messageDigest, octetString(digest)),
    attribute(OID.signingCertificateV2, essCertificate),
  ]);
  let signature = new Uint8Array(
    await crypto.subtle.sign(scheme.sign, signingKey.key, signedAttributes),
  );
  // The key file and the certificate file are chosen separately: check that they belong
  // together before anything is uploaded, as the CLI does.
  const publicKey = await crypto.subtle.importKey("spki", signer.spki, scheme.import, false, [
    "verify",
  ]);
  if (!(await crypto.subtle.verify(scheme.sign, publicKey, signature, signedAttributes))) {
    throw new SealError("key_mismatch");
  }
  if (signingKey.kind === "ec-p256") signature = ecdsaDer(signature);
  const signerInfo = seq(
    smallInteger(1),
    seq(signer.issuer, signer.serial),
    SHA256_ALGORITHM(),
    implicit(0, signedAttributes),
    scheme.algorithm(),
    octetString(signature),
  );
  const certificates = [];
  for (const certificate of [signer, ...chain]) {
    if (!certificates.some((known) => sameBytes(known, certificate.der))) {
      certificates.push(certificate.der);
    }
  }
  const signedData = seq(
    smallInteger(1),
    setOf([SHA256_ALGORITHM()]),
    seq(oid(OID.data)),
    implicit(0, setOf(certificates)),
    setOf([signerInfo]),
  );
  return seq(oid(OID.signedData), tlv(0xa0, signedData));
}

// -- the envelope (container.py) ---------------------------------------------------------------

const ENVELOPE_MAGIC = concat([utf8("PREXENV"), Uint8Array.of(1)]);
export const BOND_KINDS = ["cash", "bank_guarantee", "e_guarantee", "insurance"];

/** BidForm.parse: the price as the CLI takes it ("12,345,678.9" → "12345678.90"). */
export function normalisePrice(text) {
  const match = /^(\d*)(?:\.(\d{0,2}))?$/.exec(String(text).replace(/,/g, "").trim());
  if (!match || (match[1] === "" && !match[2])) throw new SealError("price", text);
  const whole = match[1].replace(/^0+(?=\d)/, "") || "0";
  const price = `${whole}.${(match[2] || "").padEnd(2, "0")}`;
  if (!/[1-9]/.test(price)) throw new SealError("price", text);
  return price;
}

/** The bid form (投标函) as BidForm.to_json writes it. */
export function bidForm(fields) {
  const { tenderId, sectionId, bidderUscc, price, durationDays } = fields;
  const { projectManager, bondKind, bondReference } = fields;
  const days = Number(String(durationDays).trim());
  if (!Number.isInteger(days) || days <= 0 || days > 3650) {
    throw new SealError("duration", durationDays);
  }
  if (!String(projectManager).trim()) throw new SealError("manager");
  if (!BOND_KINDS.includes(bondKind)) throw new SealError("bond", bondKind);
  return {
    tender_id: tenderId,
    section_id: sectionId,
    bidder_uscc: bidderUscc,
    price: normalisePrice(price),
    duration_days: days,
    project_manager: String(projectManager).trim(),
    bond: { kind: bondKind, reference: String(bondReference).trim() },
  };
}

/** Read ``file`` in slices of READ bytes. */
async function* slices(file) {
  for (let at = 0; at < file.size; at += READ) {
    yield new Uint8Array(await file.slice(at, at + READ).arrayBuffer());
  }
}

const PDF_ID = /\/ID\s*\[\s*<([0-9A-Fa-f]+)>/g;

/** fingerprint.document_ids, for PDFs: the trailer /ID found in the last 64 KiB. */
async function creationIds(file) {
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  if (String.fromCharCode(...head.subarray(0, 4)) !== "%PDF") return [];
  const tail = new Uint8Array(await file.slice(Math.max(0, file.size - 64 * 1024)).arrayBuffer());
  const text = new TextDecoder("latin1").decode(tail);
  return [...text.matchAll(PDF_ID)].map((m) => `pdf-id:${m[1]}`);
}

/** What this browser can tell about the machine, hashed (SEALING.md: evidence for collusion
 * analysis, never proof). The CLI hashes MAC, CPU and disk identifiers, which no page can see;
 * see docs/envelope-format.md, "Sealing in the browser". */
export function browserFingerprint(documents) {
  const screenText = globalThis.screen
    ? `${screen.width}x${screen.height}x${screen.colorDepth}@${globalThis.devicePixelRatio || 1}`
    : "";
  return {
    tool: TOOL,
    user_agent_sha256: sha256Text(navigator.userAgent),
    platform_sha256: sha256Text(navigator.platform || ""),
    hardware_concurrency_sha256: sha256Text(String(navigator.hardwareConcurrency || "")),
    screen_sha256: sha256Text(screenText),
    time_zone_sha256: sha256Text(Intl.DateTimeFormat().resolvedOptions().timeZone || ""),
    documents: documents.map((d) => ({
      name: d.name,
      sha256: d.sha256,
      creation_ids_sha256: d.creationIds.map(sha256Text),
    })),
  };
}

export function bindingOf(header) {
  const { format, version, suite, tender_id, section_id, bidder_uscc, opening_key } = header;
  return canonical({ format, version, suite, tender_id, section_id, bidder_uscc, opening_key });
}

/** Python's datetime.isoformat() style, in UTC: 2026-03-02T01:00:00.123+00:00. */
const isoTime = (date) => date.toISOString().replace("Z", "+00:00");

/**
 * Seal a bid. ``params`` are the tender parameters (already checked against the page),
 * ``form`` the bid form's fields, ``documents`` File objects, ``certificates`` the signer's
 * certificate and its CAs (parsed), ``signingKey`` from importSigningKey, and
 * ``encryptionCertificate`` the bidder's own P-256 encryption certificate when the tender's
 * key mode wraps the content key to the bidder too. ``progress(phase, done, total)`` is told
 * how far each pass is.
 *
 * Returns {blob, sha256, size, header}: the envelope as a Blob of parts and the SHA-256 the
 * receipt must name.
 */
export async function sealEnvelope({
  params,
  sectionId,
  bidderUscc,
  form,
  documents,
  certificates,
  signingKey,
  encryptionCertificate = null,
  now = new Date(),
  chunkSize = CHUNK_SIZE,
  progress = () => {},
}) {
  if (params.suite !== SUITE) {
    const gm = String(params.suite).startsWith("SM2");
    throw new SealError(gm ? "suite_sm2" : "suite", params.suite);
  }
  const [signer, ...chain] = certificates;
  if (params.key_mode !== "custodians" && !encryptionCertificate) {
    throw new SealError("encryption_certificate");
  }
  if (documents.length === 0) throw new SealError("no_documents");
  const names = documents.map((d) => `documents/${d.name}`);
  names.forEach(checkName);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new SealError("duplicate_name", twice.slice("documents/".length));

  // Pass 1: hash every document (the fingerprint, packed before them, names their digests).
  const totalBytes = documents.reduce((sum, d) => sum + d.size, 0);
  const digests = [];
  let hashed = 0;
  for (const file of documents) {
    const hasher = new Sha256();
    for await (const piece of slices(file)) {
      hasher.update(piece);
      hashed += piece.length;
      progress("hashing", hashed, totalBytes);
    }
    digests.push({
      name: file.name,
      size: file.size,
      sha256: hex(hasher.digest()),
      creationIds: await creationIds(file),
    });
  }
  const formBytes = prettyJson(
    bidForm({ ...form, tenderId: params.tender_id, sectionId, bidderUscc }),
  );
  const fingerprintBytes = prettyJson(browserFingerprint(digests));
  const entryLength = (name, size) => 2 + utf8(name).length + 8 + size;
  const archiveLength =
    PACK_MAGIC.length +
    entryLength(FORM, formBytes.length) +
    entryLength(FINGERPRINT, fingerprintBytes.length) +
    documents.reduce((sum, d, i) => sum + entryLength(names[i], d.size), 0) +
    2;
  if (sealedLength(archiveLength, chunkSize) > params.max_envelope_bytes) {
    throw new SealError("too_large", `${params.max_envelope_bytes}`);
  }

  // The header's binding: the associated data of every chunk and the context of every wrap.
  const openingPoint = fromHex(params.opening_public_key);
  const base = {
    format: "prex-envelope",
    version: 1,
    suite: SUITE,
    tender_id: params.tender_id,
    section_id: sectionId,
    bidder_uscc: bidderUscc,
    opening_key: hex(sha256(openingPoint)),
  };
  const binding = bindingOf(base);

  // A fresh content key, wrapped to the opening key (and the bidder's own certificate).
  const contentKey = crypto.getRandomValues(new Uint8Array(32));
  const recipients = [
    { kind: "opening", blob: base64(await eciesWrapP256(openingPoint, contentKey, binding)) },
  ];
  if (params.key_mode !== "custodians") {
    const point = await pointOf(encryptionCertificate);
    recipients.push({
      kind: "bidder",
      blob: base64(await eciesWrapP256(point, contentKey, binding)),
      certificate_sha256: hex(sha256(encryptionCertificate.der)), // Certificate.fingerprint
    });
  }
  const aesKey = await crypto.subtle.importKey("raw", contentKey, "AES-GCM", false, ["encrypt"]);
  contentKey.fill(0); // only the non-extractable CryptoKey remains

  // Pass 2: the archive, encrypted as it is produced; sealed chunks are hashed and gathered
  // into Blob parts of a few megabytes (the browser may keep large Blobs on disk).
  const prefix = crypto.getRandomValues(new Uint8Array(7));
  const payloadHash = new Sha256();
  const parts = [];
  let batch = [];
  let batchBytes = 0;
  let payloadLength = 0;
  let packed = 0;
  const sealer = new StreamSealer(aesKey, prefix, binding, chunkSize, async (sealed) => {
    payloadHash.update(sealed);
    payloadLength += sealed.length;
    batch.push(sealed);
    batchBytes += sealed.length;
    if (batchBytes >= BATCH) {
      parts.push(new Blob(batch));
      batch = [];
      batchBytes = 0;
    }
  });
  const pack = async (bytes) => {
    await sealer.write(bytes);
    packed += bytes.length;
    progress("encrypting", packed, archiveLength);
  };
  await pack(PACK_MAGIC);
  await pack(entryHeader(FORM, formBytes.length));
  await pack(formBytes);
  await pack(entryHeader(FINGERPRINT, fingerprintBytes.length));
  await pack(fingerprintBytes);
  for (const [i, file] of documents.entries()) {
    await pack(entryHeader(names[i], digests[i].size));
    // The size is in the entry header already and the digest in the fingerprint: a file
    // changed on disk since pass 1 would make the archive lie, so it is refused.
    const again = new Sha256();
    let read = 0;
    for await (const piece of slices(file)) {
      again.update(piece);
      read += piece.length;
      await pack(piece);
    }
    if (read !== digests[i].size || hex(again.digest()) !== digests[i].sha256) {
      throw new SealError("document_changed", file.name);
    }
  }
  await pack(u16(0));
  if (packed !== archiveLength) {
    throw new Error(`packed ${packed} bytes, announced ${archiveLength}`);
  }
  await sealer.finish();
  if (batch.length) parts.push(new Blob(batch));

  // The header, the signed part and the detached CMS signature over it.
  progress("signing", 0, 1);
  const header = {
    ...base,
    recipients,
    chunk_size: chunkSize,
    nonce_prefix: base64(prefix),
    payload_length: payloadLength,
    payload_sha256: hex(payloadHash.digest()),
    sealed_at: isoTime(now),
  };
  const headerBytes = canonical(header);
  const signedPart = concat([ENVELOPE_MAGIC, u32(headerBytes.length), headerBytes]);
  const signature = await signDetached(signedPart, signer, chain, signingKey, now);
  const head = concat([signedPart, u64(payloadLength)]);
  const tail = concat([u32(signature.length), signature]);
  const blob = new Blob([head, ...parts, tail], { type: "application/octet-stream" });
  if (blob.size > params.max_envelope_bytes) {
    throw new SealError("too_large", `${params.max_envelope_bytes}`);
  }

  // The SHA-256 of the whole file, which the receipt must name (the payload is read back).
  const whole = new Sha256().update(head);
  let checked = 0;
  for (const part of parts) {
    const bytes = new Uint8Array(await part.arrayBuffer());
    whole.update(bytes);
    checked += bytes.length;
    progress("checking", checked, payloadLength);
  }
  whole.update(tail);
  return { blob, sha256: hex(whole.digest()), size: blob.size, header };
}

/** The tender parameters as this page expects them; what can be checked is checked against
 * what the page (rendered by the server) shows the bidder. */
export function checkParameters(params, expected) {
  if (!params || params.format !== "prex-tender-parameters" || params.version !== 1) {
    throw new SealError("params", "not prex tender parameters, version 1");
  }
  if (params.tender_id !== expected.tenderId) {
    throw new SealError("tender_mismatch", String(params.tender_id));
  }
  if (Date.parse(params.bid_deadline) !== Date.parse(expected.deadline)) {
    throw new SealError("deadline_mismatch", String(params.bid_deadline));
  }
  if (String(params.suite).startsWith("SM2")) throw new SealError("suite_sm2", params.suite);
  if (params.suite !== SUITE) throw new SealError("suite", String(params.suite));
  const point = fromHex(params.opening_public_key);
  if (point.length !== 65 || point[0] !== 4) {
    throw new SealError("params", "the opening key is not an uncompressed P-256 point");
  }
  if (expected.openingKey && hex(sha256(point)) !== expected.openingKey) {
    throw new SealError("params", "the opening key differs from the one this page shows");
  }
  if (!Array.isArray(params.sections) || !Number.isSafeInteger(params.max_envelope_bytes)) {
    throw new SealError("params", "sections or size limit missing");
  }
  return params;
}

// -- the page ----------------------------------------------------------------------------------
// templates/bid_seal.html: the form (hidden until this script runs; its fields have no name
// and it has no action, so nothing typed or picked can be submitted as a plain form), the
// translated messages in #seal-messages, the receipt and the bidder's own envelopes.

function messages() {
  const found = {};
  for (const node of document.querySelectorAll("#seal-messages [data-msg]")) {
    found[node.dataset.msg] = node.textContent;
  }
  return found;
}

function beijingTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(date);
}

function uploadEnvelope(url, blob, key, onProgress) {
  // XMLHttpRequest rather than fetch(): it reports upload progress. The session cookie goes
  // with it (same origin); the body is the envelope and nothing else.
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("Idempotency-Key", key);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.total || blob.size);
    request.onload = () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      resolve({ status: request.status, body });
    };
    request.onerror = () => reject(new SealError("network"));
    request.send(blob);
  });
}

function randomKey() {
  return `web-${hex(crypto.getRandomValues(new Uint8Array(16)))}`;
}

async function fileBytes(input) {
  const file = input && input.files && input.files[0];
  return file ? new Uint8Array(await file.arrayBuffer()) : null;
}

function init() {
  const form = document.getElementById("seal-form");
  if (!form) return;
  const text = messages();
  const page = form.dataset;
  const field = (name) => form.querySelector(`[data-field="${name}"]`);
  const status = document.getElementById("seal-status");
  const bar = document.getElementById("seal-progress");
  const problem = document.getElementById("seal-problem");
  const button = form.querySelector("button[type=submit]");
  const retry = document.getElementById("seal-retry");
  let pending = null; // a sealed envelope whose upload did not complete: {blob, sha256, key}

  if (!globalThis.crypto || !crypto.subtle || !globalThis.isSecureContext) {
    problem.textContent = text.err_browser;
    problem.hidden = false;
    return;
  }
  form.hidden = false;

  const say = (message, done = null, total = null) => {
    status.textContent = message;
    bar.hidden = done === null;
    if (done !== null) bar.value = total ? Math.round((100 * done) / total) : 0;
  };
  const fail = (error) => {
    const code = error instanceof SealError ? error.code : "unexpected";
    const message = text[`err_${code}`] || text.err_unexpected;
    const detail = error instanceof SealError ? error.detail : error && error.message;
    problem.textContent = detail ? `${message} (${detail})` : message;
    problem.hidden = false;
    say("");
  };

  async function submit(sealed) {
    say(text.uploading, 0, sealed.size);
    let answer;
    try {
      answer = await uploadEnvelope(page.submitUrl, sealed.blob, sealed.key, (done, total) =>
        say(text.uploading, done, total),
      );
    } catch (error) {
      // The connection dropped: the same envelope may be sent again under the same key (the
      // server answers a repeat with the receipt it already gave).
      pending = sealed;
      retry.hidden = false;
      throw error;
    }
    if (answer.status !== 200 && answer.status !== 201) {
      const body = answer.body || {};
      const detail = body.detail || body.title || `HTTP ${answer.status}`;
      if (answer.status >= 500) {
        pending = sealed;
        retry.hidden = false;
      }
      throw new SealError("upload", detail);
    }
    pending = null;
    retry.hidden = true;
    // The list first, then the receipt: once the receipt shows, the page is complete. The
    // list is a convenience; failing to refresh it does not make the submission fail.
    await refreshMine().catch(() => {});
    showReceipt(answer.body, sealed);
  }

  function showReceipt(receipt, sealed) {
    const box = document.getElementById("seal-receipt");
    const set = (id, value) => {
      document.getElementById(id).textContent = value;
    };
    set("receipt-bid", receipt.bid_id);
    set("receipt-sha256", receipt.envelope_sha256);
    set("receipt-bytes", String(receipt.envelope_bytes));
    set("receipt-time", beijingTime(receipt.received_at));
    set("receipt-timestamp", receipt.timestamp_token ? text.yes : text.no);
    set("receipt-signature", receipt.platform_signature ? text.yes : text.no);
    const matches = receipt.envelope_sha256 === sealed.sha256;
    set("receipt-match", matches ? text.yes : `${text.no} — ${text.err_receipt_mismatch}`);
    document.getElementById("receipt-match").dataset.matches = String(matches);
    const save = (id, blob, name) => {
      const link = document.getElementById(id);
      link.href = URL.createObjectURL(blob);
      link.download = name;
    };
    const receiptFile = new Blob([JSON.stringify(receipt, null, 1)], { type: "application/json" });
    save("receipt-download", receiptFile, `receipt-${receipt.bid_id}.json`);
    save("envelope-download", sealed.blob, `bid-${receipt.envelope_sha256.slice(0, 16)}.prexenv`);
    box.hidden = false;
    say(text.done);
  }

  async function refreshMine() {
    const response = await fetch(page.mineUrl, {
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (!response.ok) return;
    const rows = await response.json();
    const options = [...field("section").options];
    const sections = Object.fromEntries(options.map((o) => [o.value, o.textContent]));
    const body = document.querySelector("#my-bids tbody");
    body.replaceChildren(
      ...rows.map((row) => {
        const tr = document.createElement("tr");
        tr.dataset.status = row.status;
        const cells = [
          sections[row.section_id] || row.section_id,
          text[`status_${row.status}`] || row.status,
          beijingTime(row.received_at),
          row.envelope_sha256,
          String(row.envelope_bytes),
        ];
        for (const [i, value] of cells.entries()) {
          const td = document.createElement("td");
          if (i === 3) {
            const code = document.createElement("code");
            code.className = "hash";
            code.textContent = value;
            td.append(code);
          } else {
            td.textContent = value;
          }
          if (i === 4) td.className = "num";
          tr.append(td);
        }
        return tr;
      }),
    );
    document.getElementById("my-bids-empty").hidden = rows.length > 0;
  }

  retry.addEventListener("click", async () => {
    if (!pending) return;
    problem.hidden = true;
    retry.disabled = true;
    try {
      await submit(pending);
    } catch (error) {
      fail(error);
    } finally {
      retry.disabled = false;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault(); // never a plain form post: only the envelope leaves this page
    problem.hidden = true;
    document.getElementById("seal-receipt").hidden = true;
    retry.hidden = true;
    pending = null;
    button.disabled = true;
    try {
      say(text.parameters);
      const response = await fetch(page.parametersUrl, { cache: "no-store" });
      if (!response.ok) throw new SealError("params", `HTTP ${response.status}`);
      const params = checkParameters(await response.json(), {
        tenderId: page.tenderId,
        deadline: page.deadline,
        openingKey: page.openingKey,
      });
      const sectionId = field("section").value;
      if (!params.sections.some((s) => s.id === sectionId)) {
        throw new SealError("section", sectionId);
      }
      const documents = [...field("documents").files];
      if (documents.length === 0) throw new SealError("no_documents");
      const certificateBytes = await fileBytes(field("certificate"));
      if (!certificateBytes) throw new SealError("certificate");
      const certificates = readCertificates(certificateBytes);
      const uscc = page.uscc;
      if (!certificates[0].subjectTexts.some((t) => t.toUpperCase().includes(uscc))) {
        throw new SealError("uscc", uscc);
      }
      const keyBytes = await fileBytes(field("key"));
      if (!keyBytes) throw new SealError("key");
      const signingKey = await importSigningKey(keyBytes);
      keyBytes.fill(0);
      let encryptionCertificate = null;
      if (params.key_mode !== "custodians") {
        const bytes = await fileBytes(field("encryption-certificate"));
        if (!bytes) throw new SealError("encryption_certificate");
        [encryptionCertificate] = readCertificates(bytes);
      }
      const phases = {
        hashing: text.hashing,
        encrypting: text.encrypting,
        signing: text.signing,
        checking: text.checking,
      };
      const sealed = await sealEnvelope({
        params,
        sectionId,
        bidderUscc: uscc,
        form: {
          price: field("price").value,
          durationDays: field("duration").value,
          projectManager: field("manager").value,
          bondKind: field("bond-kind").value,
          bondReference: field("bond-reference").value,
        },
        documents,
        certificates,
        signingKey,
        encryptionCertificate,
        progress: (phase, done, total) => say(phases[phase], done, total),
      });
      document.getElementById("sealed-sha256").textContent = sealed.sha256;
      await submit({ ...sealed, key: randomKey() });
    } catch (error) {
      fail(error);
    } finally {
      button.disabled = false;
    }
  });
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
}
