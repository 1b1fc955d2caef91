// prex live bidding (网络竞价): the listing's book, live, and a bidder's signed bids.
//
// The page is rendered on the server from the book and reads without this script. This module
// follows the listing's WebSocket (live.js through page.js): the book on connecting, on every
// change and at least every 10 s; every accepted bid in order. It keeps a clock on the server's
// time — the book's server_time plus the time elapsed on this browser's monotonic clock, never
// the browser's calendar clock — for the countdown. When the line drops it reconnects with
// ?after_seq=<the last bid seen>, and the server sends every bid missed before anything newer.
//
// A bidder's bid is signed here with seal.js's CMS signer over the canonical JSON
// {"act":"listing-bid","amount":…,"listing_id":…,"number":…}, with the certificate and key files
// the bidder chooses (the key is imported non-extractable and never sent), and sent over the
// same WebSocket; the server answers each bid once, by its ref. Text is written with
// textContent only.
"use strict";

import { LivePage, ServerClock, beijing, element, fill, setText, show } from "./page.js";
import { countdown, formatYuan } from "./opening.js";
import { base64, canonical, importSigningKey, readCertificates, signDetached } from "./seal.js";

const BIDDING = ["announced", "listing", "round"];
const KEPT_ROWS = 200; // the history shows the latest bids; the API has all of them

/** Yuan as the server signs them: no leading zeros, exactly two decimals; null if not yuan. */
export function normaliseAmount(text) {
  const match = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(String(text));
  if (!match) return null;
  const whole = match[1].replace(/^0+(?=\d)/, "");
  return `${whole}.${(match[2] || "").padEnd(2, "0")}`;
}

/** The bytes a bidder signs for one bid (prex.auctions.bidding.bid_bytes). */
export function bidBytes(listingId, number, amount) {
  return canonical({ act: "listing-bid", amount, listing_id: listingId, number });
}

function start(root) {
  const $ = (id) => document.getElementById(id);
  const page = new LivePage(root, {
    apply,
    fromApi: (book) => ({ type: "book", ...book }),
    refused: (data) => page.showProblem(404, { type: `/problems/${data.error}`, detail: data.detail }),
  });
  const { text, live } = page;
  const listingId = root.dataset.listingId;
  const liveUrl = root.dataset.liveUrl;
  const clock = new ServerClock(root.dataset.serverTime);
  let number = root.dataset.number || null;
  let lastSeq = Number(root.dataset.seq) || 0;
  let book = {
    status: root.dataset.status,
    opens_at: root.dataset.opensAt || null,
    listing_ends_at: root.dataset.listingEndsAt || null,
    round_ends_at: root.dataset.roundEndsAt || null,
  };
  const pending = new Map(); // ref → amount, until the server answers
  let nextRef = 1;
  live.url = `${liveUrl}?after_seq=${lastSeq}`;

  // -- the clock and the countdown ------------------------------------------------------------

  function tick() {
    const now = clock.now();
    $("auction-clock").textContent = beijing(now);
    const targets = { announced: book.opens_at, listing: book.listing_ends_at, round: book.round_ends_at };
    const target = targets[book.status] || null;
    show("countdown-box", target !== null);
    if (target !== null) {
      const left = Date.parse(target) - now;
      $("countdown-label").textContent = left > 0 ? text[`countdown_${book.status === "announced" ? "opens" : book.status}`] : text.countdown_over;
      $("auction-countdown").textContent = countdown(left, text.days);
    }
    live.tick();
  }

  // -- the history ----------------------------------------------------------------------------

  const phaseName = (phase) => text[`phase_${phase}`] || phase;

  function bidRow(b) {
    const who = b.number === number ? `${b.number} ${text.mine}` : b.number;
    return element(
      "tr",
      { "data-seq": String(b.seq) },
      element("td", { class: "num" }, String(b.seq)),
      element("td", { class: "bidder" }, who),
      element("td", { class: "num price" }, formatYuan(b.amount)),
      element("td", {}, b.at ? beijing(Date.parse(b.at)) : ""),
      element("td", {}, phaseName(b.phase)),
    );
  }

  /** Bids into the history, newest first, each once. */
  function addBids(bids) {
    const body = document.querySelector("#bids tbody");
    const empty = body.querySelector("tr.empty");
    for (const b of bids) {
      if (body.querySelector(`tr[data-seq="${b.seq}"]`)) continue;
      if (empty && empty.parentNode) empty.remove();
      const later = [...body.children].find((tr) => Number(tr.dataset.seq) < b.seq);
      body.insertBefore(bidRow(b), later || null);
      if (b.seq > lastSeq) lastSeq = b.seq;
    }
    while (body.children.length > KEPT_ROWS) body.lastElementChild.remove();
    live.url = `${liveUrl}?after_seq=${lastSeq}`;
    root.dataset.seq = String(lastSeq);
  }

  // -- what the line brings -------------------------------------------------------------------

  function applyBook(next) {
    book = next;
    clock.sync(next.server_time);
    root.dataset.status = next.status;
    const phase = $("auction-phase");
    phase.textContent = phaseName(next.status);
    phase.className = `phase phase-${next.status}`;
    setText("auction-best", next.best ? formatYuan(next.best) : text.no_price);
    setText("auction-leader", next.leader || "—");
    setText("auction-minimum", next.minimum_next ? formatYuan(next.minimum_next) : "—");
    setText("auction-in-round", (next.in_round || []).join(", ") || "—");
    if (next.listing_ends_at) setText("auction-listing-ends", beijing(Date.parse(next.listing_ends_at)));
    // GET …/book lists the latest bids; the live book leaves them to the bids messages.
    addBids([...(next.bids || [])].reverse());
    const button = $("bid-button");
    if (button) button.disabled = !BIDDING.includes(next.status) || pending.size > 0;
    tick();
  }

  function answered(message) {
    const amount = pending.get(message.ref);
    if (amount === undefined) return;
    pending.delete(message.ref);
    const button = $("bid-button");
    if (button) button.disabled = !BIDDING.includes(book.status);
    if (message.type === "error") {
      page.showProblem(message.status, message.problem);
      return;
    }
    if (message.accepted) {
      page.showDone(fill(text.accepted, { amount: formatYuan(message.amount || amount), seq: message.seq }));
      return;
    }
    const field = $("bid-amount");
    if (field && message.minimum) field.value = message.minimum;
    page.showMessage(
      fill(text.refused_bid, {
        reason: text[`reason_${message.reason}`] || message.detail || message.reason,
        best: message.best ? formatYuan(message.best) : text.no_price,
        minimum: formatYuan(message.minimum),
      }),
    );
    $("auction-problem").dataset.reason = message.reason || "";
  }

  function apply(message) {
    switch (message.type) {
      case "hello":
        number = message.you && message.you.number ? message.you.number : number;
        if (pending.size > 0) {
          // A new line: answers to bids sent on the old one will not come.
          pending.clear();
          page.showMessage(text.lost);
        }
        break;
      case "bids":
        addBids(message.bids || []);
        break;
      case "book":
        applyBook(message);
        break;
      case "ack":
      case "error":
        answered(message);
        break;
      default:
        break;
    }
  }

  // -- bidding --------------------------------------------------------------------------------

  let signer = null; // {certificates, signingKey}, read once from the chosen files

  async function loadSigner() {
    if (signer) return signer;
    const certificate = $("bid-certificate").files[0];
    const key = $("bid-key").files[0];
    if (!certificate || !key) return null;
    const certificates = readCertificates(new Uint8Array(await certificate.arrayBuffer()));
    const keyBytes = new Uint8Array(await key.arrayBuffer());
    const signingKey = await importSigningKey(keyBytes);
    keyBytes.fill(0);
    signer = { certificates, signingKey };
    return signer;
  }

  const form = $("bid-form");
  if (form) {
    for (const id of ["bid-certificate", "bid-key"]) {
      $(id).addEventListener("change", () => {
        signer = null;
      });
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = $("bid-button");
      const amount = normaliseAmount($("bid-amount").value);
      if (amount === null) {
        page.showMessage(text.need_amount);
        $("bid-amount").focus();
        return;
      }
      if (!live.open) {
        page.showMessage(text.offline);
        return;
      }
      button.disabled = true;
      try {
        page.showDone(text.signing);
        const loaded = await loadSigner();
        if (!loaded) {
          page.showMessage(text.need_files);
          button.disabled = false;
          return;
        }
        const [certificate, ...chain] = loaded.certificates;
        const der = await signDetached(
          bidBytes(listingId, number, amount),
          certificate,
          chain,
          loaded.signingKey,
          new Date(clock.now()), // the server's time: the browser's calendar may be off
        );
        const ref = `bid-${nextRef++}`;
        pending.set(ref, amount);
        live.socket.send(JSON.stringify({ type: "bid", ref, amount, signature: base64(der) }));
        page.showDone(text.sending);
      } catch (error) {
        signer = null;
        button.disabled = false;
        page.showMessage(fill(text.key_error, { detail: (error && (error.detail || error.message)) || "" }));
      }
    });
  }

  page.start(tick);
}

if (typeof document !== "undefined") {
  const root = document.getElementById("auction");
  if (root) start(root);
}
