// prex evaluation room (远程异地评标室): the room, live, and the member's entries in it.
//
// The page is rendered on the server from the room as the reader may see it and reads without this
// script. This module follows the room's WebSocket (the room on connecting, on every change and at
// least every 10 s), reconnecting with back-off when it drops (live.js); keeps a clock on the
// server's time (the last message's server_time advanced by this browser's monotonic clock, never
// its calendar clock); and sends the member's review sheet, score sheet and justifications to the
// evaluation API with the session cookie. The clock, the notices, the requests and asking the API
// when the socket is down are the same as the opening hall's (page.js). While the room is not open
// every form is locked. Members appear by pseudonym only; what the room says is written with
// textContent only.
"use strict";

import { LivePage, ServerClock, beijing, element, fill, send, setText, show } from "./page.js";

function start(root) {
  const $ = (id) => document.getElementById(id);
  const me = root.dataset.me || null;
  const roomUrl = root.dataset.stateUrl;
  const clock = new ServerClock(root.dataset.serverTime, 1);
  const shown = {};
  let bidders = {};
  let itemNames = {};
  let subjective = [];

  /** Rebuild part of the page only when what it shows has changed. */
  function changed(key, value) {
    const json = JSON.stringify(value);
    if (shown[key] === json) return false;
    shown[key] = json;
    return true;
  }

  // -- the page, the clock and the connection -----------------------------------------------

  // Notices, requests and the line are page.js's; the room says what a state and a refusal mean.
  const page = new LivePage(root, {
    apply,
    // The API's room has no documents and no clock: keep the page's.
    fromApi: (room) => ({ ...room, server_time: new Date(clock.now()).toISOString() }),
    refused: (data) => {
      // Refused (no longer a sitting member, signed out …): lock, and say why.
      for (const fieldset of root.querySelectorAll("form fieldset")) fieldset.disabled = true;
      page.showProblem(data.error === "not-found" ? 404 : 403, { type: `/problems/${data.error}`, detail: data.detail });
    },
  });
  const { text, live } = page;

  function tick() {
    $("room-clock").textContent = beijing(clock.now());
    live.tick();
  }

  // -- rendering the room -------------------------------------------------------------------

  const yesNo = (flag) => (flag ? text.yes : text.no);

  function renderStatus(status) {
    root.dataset.status = status;
    const label = $("room-status");
    label.textContent = text[`status_${status}`] || status;
    label.className = `room-status room-status-${status}`;
    show("room-paused", status === "paused");
    show("room-complete", status === "complete");
    for (const fieldset of root.querySelectorAll("form fieldset")) fieldset.disabled = status !== "open";
  }

  function renderMembers(members) {
    if (!changed("members", members)) return;
    $("members").querySelector("tbody").replaceChildren(
      ...members.map((m) =>
        element(
          "tr",
          { "data-member": m.pseudonym },
          element("td", {}, m.me ? `${m.pseudonym} ${text.you}` : m.pseudonym),
          element("td", {}, yesNo(m.review_submitted)),
          element("td", {}, yesNo(m.scores_submitted)),
        ),
      ),
    );
  }

  function sheetSection(sheet) {
    const section = element(
      "section",
      { class: "panel sheet", "data-member": sheet.member },
      element("h3", { class: "sheet-member" }, sheet.member === me ? `${sheet.member} ${text.you}` : sheet.member),
    );
    if (sheet.scores.length) {
      const cells = new Map(sheet.scores.map((s) => [`${s.bid_id}\u0000${s.criterion}`, s.score]));
      const bids = [...new Set(sheet.scores.map((s) => s.bid_id))];
      section.append(
        element(
          "table",
          { class: "sheet-scores" },
          element("thead", {}, element("tr", {}, element("th", {}, text.bidder), ...subjective.map((c) => element("th", {}, c.name)))),
          element(
            "tbody",
            {},
            ...bids.map((bid) =>
              element(
                "tr",
                { "data-bid-id": bid },
                element("td", {}, bidders[bid] || bid),
                ...subjective.map((c) =>
                  element("td", { class: "num score", "data-criterion": c.id }, cells.get(`${bid}\u0000${c.id}`) || ""),
                ),
              ),
            ),
          ),
        ),
      );
    }
    const fails = sheet.marks.filter((m) => !m.passed);
    const review = element("p", { class: "sheet-review" }, element("strong", {}, text.review_items), " ");
    if (fails.length) {
      review.append(
        `${text.failed_marks}: ` +
          fails.map((f) => `${bidders[f.bid_id] || f.bid_id} · ${itemNames[f.item] || f.item} (${f.reason})`).join("; "),
      );
    } else {
      review.append(sheet.marks.length ? text.all_pass : text.no);
    }
    section.append(review);
    return section;
  }

  function renderSheets(sheets) {
    if (!changed("sheets", sheets)) return;
    $("sheets").replaceChildren(...sheets.map(sheetSection));
    show("sheets-none", sheets.length === 0);
  }

  function renderBlocking(blocking) {
    if (!changed("blocking", blocking)) return;
    const list = $("blocking");
    if (!blocking.length) {
      list.replaceChildren(element("li", { class: "muted" }, text.no_blocking));
      return;
    }
    list.replaceChildren(...blocking.map((reason) => element("li", {}, reason)));
  }

  /** The score form's rows: one per bid that passed the review; what the member typed stays,
   * an empty cell takes the member's submitted score. */
  function renderScoreRows(valid, mine) {
    const body = $("score-rows");
    if (!body || !changed("valid", valid)) return;
    const typed = new Map();
    for (const input of body.querySelectorAll("input.score")) {
      typed.set(`${input.closest("tr").dataset.bidId}\u0000${input.dataset.criterion}`, input.value);
    }
    const submitted = new Map(((mine && mine.scores) || []).map((s) => [`${s.bid_id}\u0000${s.criterion}`, s.score]));
    body.replaceChildren(
      ...valid.map((bid) =>
        element(
          "tr",
          { "data-bid-id": bid },
          element("td", {}, bidders[bid] || bid),
          ...subjective.map((c) => {
            const key = `${bid}\u0000${c.id}`;
            const input = element("input", {
              class: "score",
              type: "number",
              inputmode: "decimal",
              "data-criterion": c.id,
              min: c.minimum,
              max: c.maximum,
              step: c.step,
              "aria-label": c.name,
            });
            input.value = typed.get(key) || submitted.get(key) || "";
            return element("td", {}, input);
          }),
        ),
      ),
    );
  }

  function justifyForm(d, locked) {
    const area = element("textarea", { rows: "2", maxlength: "2000" });
    area.value = d.justification || "";
    const fieldset = element(
      "fieldset",
      {},
      element(
        "p",
        {},
        fill(text.deviation, {
          score: d.score,
          bidder: bidders[d.bid_id] || d.bid_id,
          criterion: (subjective.find((c) => c.id === d.criterion_id) || {}).name || d.criterion_id,
          reference: d.reference,
          limit: d.limit,
        }),
      ),
      d.justified ? element("p", { class: "ok" }, `${text.justified}: ${d.justification}`) : null,
      element("label", {}, text.justification_label, area),
      element("button", { type: "submit" }, text.justify),
    );
    fieldset.disabled = locked;
    return element(
      "form",
      { class: "panel form justify-form", "data-bid-id": d.bid_id, "data-criterion": d.criterion_id, "data-sig": String(d.justified) },
      fieldset,
    );
  }

  function renderJustifications(deviations, locked) {
    const box = $("justifications");
    if (!box || !changed("deviations", deviations)) return;
    const existing = new Map([...box.children].map((f) => [`${f.dataset.bidId}\u0000${f.dataset.criterion}`, f]));
    const forms = deviations.map((d) => {
      const key = `${d.bid_id}\u0000${d.criterion_id}`;
      const form = existing.get(key);
      // A form whose deviation did not change keeps what the member is typing.
      return form && form.dataset.sig === String(d.justified) ? form : justifyForm(d, locked);
    });
    box.replaceChildren(...forms);
    show("justifications-none", deviations.length === 0);
  }

  function apply(room) {
    clock.sync(room.server_time, 1);
    bidders = Object.fromEntries(room.bids.map((b) => [b.bid_id, b.bidder_name]));
    itemNames = Object.fromEntries(room.method.review.map((r) => [r.id, r.name]));
    subjective = room.method.criteria.filter((c) => c.kind === "subjective");
    const mine = room.members.find((m) => m.me) || null;
    const mySheet = room.sheets.find((s) => s.member === me) || null;
    const valid = room.to_score || [];
    const locked = room.status !== "open";

    renderMembers(room.members);
    setText("waiting-review", room.waiting_for.review.join(", ") || text.nobody);
    setText("waiting-scores", room.waiting_for.scores.join(", ") || text.nobody);
    renderSheets(room.sheets);
    renderBlocking(room.blocking || []);
    if (mine) {
      setText("review-state", yesNo(mine.review_submitted));
      setText("score-state", yesNo(mine.scores_submitted));
      const scoresOpen = valid.length > 0;
      show("scores-wait", !scoresOpen);
      show("score-form", scoresOpen);
      renderScoreRows(valid, mySheet);
      const deviations = room.sections.flatMap((s) => s.deviations || []).filter((d) => d.member === me);
      renderJustifications(deviations, locked);
    }
    renderStatus(room.status); // last: it locks or unlocks every form just built
    tick();
  }

  // -- entries ------------------------------------------------------------------------------

  const act = (form, request, done) => page.act(form.querySelector("button[type=submit]"), request, done);

  function reviewSheet() {
    const marks = [];
    for (const row of $("review-form").querySelectorAll("tr.mark")) {
      const passed = row.querySelector("select.verdict").value === "pass";
      const field = row.querySelector("input.reason");
      const reason = field.value.trim();
      if (!passed && !reason) {
        field.focus();
        return null;
      }
      marks.push({ bid_id: row.dataset.bidId, item: row.dataset.item, passed, reason: passed ? "" : reason });
    }
    return marks;
  }

  function scoreSheet() {
    const scores = [];
    for (const input of $("score-form").querySelectorAll("input.score")) {
      const score = input.value.trim();
      if (!score) {
        input.focus();
        return null;
      }
      scores.push({ bid_id: input.closest("tr").dataset.bidId, criterion: input.dataset.criterion, score });
    }
    return scores;
  }

  root.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    if (root.dataset.status !== "open") return;
    if (form.id === "review-form") {
      const marks = reviewSheet();
      if (marks === null) {
        page.showMessage(text.need_reason);
        return;
      }
      await act(form, () => send("PUT", `${roomUrl}/review`, { marks }), text.done_review);
    } else if (form.id === "score-form") {
      const scores = scoreSheet();
      if (scores === null) {
        page.showMessage(text.need_score);
        return;
      }
      await act(form, () => send("PUT", `${roomUrl}/scores`, { scores }), text.done_scores);
    } else if (form.classList.contains("justify-form")) {
      const reason = page.required(form.querySelector("textarea"), text.need_justification);
      if (reason === null) return;
      const body = { bid_id: form.dataset.bidId, criterion: form.dataset.criterion, reason };
      await act(form, () => send("POST", `${roomUrl}/justifications`, body), text.done_justification);
    }
  });

  page.start(tick);
}

if (typeof document !== "undefined") {
  const root = document.getElementById("room");
  if (root) start(root);
}
