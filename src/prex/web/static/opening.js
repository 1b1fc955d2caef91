// prex opening hall (不见面开标大厅): the hall, live, and the reader's actions in it.
//
// The page is rendered on the server from the hall's snapshot and reads without this script. This
// module follows the hall's WebSocket (a snapshot on connecting, on every change and at least
// every 10 s), reconnecting with back-off when it drops (live.js); keeps a clock on the server's
// time — the snapshot's server_time plus the time elapsed on this browser's monotonic clock since
// it arrived, never the browser's calendar clock — and posts the reader's actions to the opening
// API with the session cookie. The clock, the notices, the requests and asking the API when the
// socket is down are the same as the evaluation room's (page.js). What the hall says is written
// with textContent only.
"use strict";

import { LivePage, ServerClock, beijing, element, fill, localTimes, send, setText, show, two } from "./page.js";

// The time helpers are page.js's; they are also read from here, where the server's own are
// compared with them (tests/e2e/test_pages_opening.py).
export { ServerClock, beijing, fill, localTimes };

/** A sealed price as read out: thousands separators, at least two decimals, exactly the digits
 * sealed (never through a float; pages/opening.py ``yuan`` does the same). */
export function formatYuan(amount) {
  if (amount === null || amount === undefined) return "";
  const text = String(amount);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const whole = match[2].replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${match[1]}${whole}.${(match[3] || "").padEnd(2, "0")}`;
}

/** Time left as ``HH:MM:SS`` (whole days before it, with ``daysText`` = "%(n)s d"), rounded up
 * to the second; nothing left reads 00:00:00. */
export function countdown(ms, daysText) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(seconds / 86400);
  const rest = seconds % 86400;
  const clock = `${two(Math.floor(rest / 3600))}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}`;
  return days ? `${fill(daysText, { n: days })} ${clock}` : clock;
}

function start(root) {
  const $ = (id) => document.getElementById(id);
  // Notices, requests and the line are page.js's; the hall says what a snapshot and a refusal mean.
  const page = new LivePage(root, {
    apply,
    refused: (data) => page.showProblem(404, { type: `/problems/${data.error}`, detail: data.detail }),
  });
  const { text, live } = page;
  const sections = {};
  for (const span of document.querySelectorAll("#hall-messages [data-section]")) {
    sections[span.dataset.section] = span.textContent;
  }
  const tenderId = root.dataset.tenderId;
  const api = root.dataset.api;
  const clock = new ServerClock(root.dataset.serverTime, root.dataset.clockRate);
  let state = {
    phase: root.dataset.phase,
    bid_deadline: root.dataset.deadline,
    window_closes_at: root.dataset.windowCloses,
    you: null,
  };
  let readingShown = null;
  let namesShown = null;

  // -- the clock and the countdown ----------------------------------------------------------

  function tick() {
    const now = clock.now();
    $("hall-clock").textContent = beijing(now);
    let target = null;
    let key = null;
    if (state.phase === "before-deadline") [target, key] = [state.bid_deadline, "countdown_deadline"];
    else if (state.phase === "decrypting") [target, key] = [state.window_closes_at, "countdown_window"];
    const box = $("countdown-box");
    box.hidden = target === null;
    if (target !== null) {
      const left = Date.parse(target) - now;
      $("countdown-label").textContent = text[left > 0 ? key : `${key}_passed`];
      $("hall-countdown").textContent = countdown(left, text.days);
    }
    live.tick();
  }

  // -- rendering a snapshot -----------------------------------------------------------------

  const when = (iso) => (iso ? beijing(Date.parse(iso)) : "");

  function readingRow(r) {
    const bond = r.bond_kind ? text[`bond_${r.bond_kind}`] || r.bond_kind : "";
    const outcome = element("td", {}, element("span", { class: `outcome outcome-${r.outcome}` }, text[`outcome_${r.outcome}`] || r.outcome));
    if (r.reason) outcome.append(element("div", { class: "muted reason" }, r.reason));
    return element(
      "tr",
      { "data-outcome": r.outcome },
      element("td", {}, r.bidder_name),
      element("td", {}, sections[r.section_id] || ""),
      element("td", { class: "num price" }, formatYuan(r.price)),
      element("td", { class: "num" }, r.duration_days === null || r.duration_days === undefined ? "" : String(r.duration_days)),
      element("td", {}, r.project_manager || ""),
      element("td", {}, bond),
      outcome,
    );
  }

  function renderReading(reading) {
    const key = JSON.stringify(reading);
    if (key === readingShown) return;
    readingShown = key;
    const body = document.querySelector("#reading tbody");
    if (!reading.length) {
      body.replaceChildren(element("tr", { class: "empty" }, element("td", { colspan: "7", class: "muted" }, text.no_reading)));
      return;
    }
    body.replaceChildren(...reading.map(readingRow));
  }

  function statementItem(s, canHost) {
    const item = element(
      "li",
      { class: `notice statement statement-${s.kind}`, "data-id": s.id, "data-sig": s.answer ? "answered" : "open" },
      element(
        "div",
        {},
        element("strong", { class: "statement-bidder" }, s.bidder_name),
        " ",
        element("span", { class: "statement-kind" }, text[`statement_${s.kind}`] || s.kind),
        " ",
        element("span", { class: "muted" }, when(s.made_at)),
      ),
    );
    if (s.text) item.append(element("div", { class: "statement-text" }, s.text));
    if (s.answer) {
      item.append(
        element(
          "div",
          { class: "statement-answer" },
          element("strong", {}, text.answer),
          " ",
          element("span", { class: "muted" }, when(s.answered_at)),
          element("div", {}, s.answer),
        ),
      );
    } else if (s.kind === "objection") {
      item.append(element("div", { class: "muted statement-pending" }, text.awaiting_answer));
      if (canHost) {
        item.append(
          element(
            "form",
            { class: "answer-form", "data-statement-id": s.id },
            element("label", {}, text.answer_label, element("textarea", { rows: "2", maxlength: "2000", required: "" })),
            element("button", { type: "submit" }, text.answer_send),
          ),
        );
      }
    }
    return item;
  }

  /** Statements by id: an item is rebuilt only when it changes (a host's half-typed answer to
   * another objection stays where it is). */
  function renderStatements(statements, canHost, phase) {
    const list = $("statements");
    const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
    let previous = null;
    for (const s of statements) {
      let item = existing.get(s.id);
      existing.delete(s.id);
      if (!item || item.dataset.sig !== (s.answer ? "answered" : "open")) {
        const fresh = statementItem(s, canHost);
        if (item) item.replaceWith(fresh);
        item = fresh;
      }
      const wanted = previous ? previous.nextSibling : list.firstChild;
      if (item !== wanted) list.insertBefore(item, wanted);
      previous = item;
    }
    for (const item of existing.values()) item.remove();
    for (const form of list.querySelectorAll(".answer-form")) form.hidden = phase !== "opened";
    show("statements-empty", statements.length === 0);
  }

  function renderNames(names) {
    const key = JSON.stringify(names);
    if (key === namesShown) return;
    namesShown = key;
    $("checkin-names").replaceChildren(...names.map((name) => element("li", {}, name)));
  }

  function apply(next) {
    state = next;
    clock.sync(next.server_time, next.clock_rate);
    const phase = next.phase;
    const you = next.you || {};
    const bidder = Array.isArray(you.bids) && you.bids.length > 0;
    const beforeDeadline = phase === "before-deadline";
    const decrypting = phase === "decrypting";
    root.dataset.phase = phase;

    const phaseLabel = $("hall-phase");
    phaseLabel.textContent = text[`phase_${phase}`] || phase;
    phaseLabel.className = `phase phase-${phase}`;
    const status = $("hall-tender-status");
    status.textContent = text[`status_${next.tender_status}`] || next.tender_status;
    status.className = `status status-${next.tender_status}`;
    setText("hall-deadline", when(next.bid_deadline));
    setText("hall-window", when(next.window_closes_at));
    if (beforeDeadline) {
      $("hall-envelopes").replaceChildren(element("span", { class: "muted" }, text.after_deadline));
    } else {
      setText("hall-envelopes", String(next.envelopes));
    }
    $("hall-commitment").replaceChildren(
      next.commitment_sha256
        ? element("code", { class: "hash" }, next.commitment_sha256)
        : element("span", { class: "muted" }, text.after_deadline),
    );

    setText("checkin-count", String(next.checked_in));
    show("checkin-secret", beforeDeadline);
    renderNames(next.checked_in_names || []);
    show("checkin-panel", bidder && (beforeDeadline || decrypting || phase === "opened"));
    show("checkin-done", Boolean(you.checked_in));
    show("checkin-button", !you.checked_in);

    const released = next.shares_released || [];
    show("shares-box", next.key_mode !== "bidder_only" && (beforeDeadline || decrypting));
    setText("shares-released", String(released.length));
    const progress = $("shares-progress");
    if (progress) {
      progress.max = next.threshold || 1;
      progress.value = Math.min(released.length, next.threshold || 0);
    }
    show("own-keys-box", decrypting && next.key_mode && next.key_mode !== "custodians");
    setText("own-keys", String(next.own_keys_released || 0));
    show("decryption-done", !beforeDeadline && !decrypting);
    show("custodian-panel", beforeDeadline || decrypting);
    show("custodian-released", you.share_index !== null && released.includes(you.share_index));
    show("open-panel", decrypting);
    show("decrypt-panel", decrypting);

    renderReading(next.reading || []);
    renderStatements(next.statements || [], Boolean(you.can_host), phase);
    show("statement-panel", bidder && phase === "opened");
    show("publish-panel", phase === "opened");

    show("record-box", Boolean(next.record_sha256));
    show("record-none", !next.record_sha256);
    setText("record-sha256", next.record_sha256 || "");
    tick();
  }

  // -- actions ------------------------------------------------------------------------------

  const hallUrl = `${api}/tenders/${encodeURIComponent(tenderId)}/opening`;

  const act = (button, request, done) => page.act(button, request, done);
  const post = (url, body) => send("POST", url, body);

  const actions = {
    "check-in": (button) => act(button, () => post(`${hallUrl}/check-in`), text.done_checkin),
    confirm: (button) =>
      act(button, () => post(`${hallUrl}/statements`, { kind: "confirmation" }), text.done_confirmation),
    object: async (button) => {
      const field = $("objection-text");
      const grounds = page.required(field, text.need_text);
      if (grounds === null) return;
      if (await act(button, () => post(`${hallUrl}/statements`, { kind: "objection", text: grounds }), text.done_objection)) {
        field.value = "";
      }
    },
    open: (button) =>
      act(button, () => post(`${hallUrl}/open`), (result) => fill(text.done_open, result || {})),
    publish: (button) => act(button, () => post(`${hallUrl}/record`), text.done_record),
  };

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !(button.dataset.action in actions)) return;
    event.preventDefault();
    actions[button.dataset.action](button);
  });

  root.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target.closest(".answer-form");
    if (!form) return;
    const answer = page.required(form.querySelector("textarea"), text.need_answer);
    if (answer === null) return;
    const url = `${api}/opening-statements/${encodeURIComponent(form.dataset.statementId)}/answer`;
    await act(form.querySelector("button"), () => post(url, { answer }), text.done_answer);
  });

  page.start(tick);
}

if (typeof document !== "undefined") {
  const root = document.getElementById("hall");
  if (root) start(root);
}
