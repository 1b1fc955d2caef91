// prex live page: what the opening hall and the evaluation room share.
//
// Both pages are rendered on the server and read without script; their module follows the
// page's live line (live.js), keeps a clock on the server's time and sends the reader's entries
// to the API with the session cookie. What they do alike is here: the server's clock and the
// Beijing times it shows, the page's translated messages, the done and problem notices (a
// refusal's problem document, RFC 9457), a request and its refusal, elements built with
// textContent only, and asking the API once when the socket is down. Only what differs is the
// page's: what to make of a state, of the API's state and of a refusal on the line. Nothing
// here touches the document at load, so the page modules still import under node.
"use strict";

import { LiveLine } from "./live.js";

const TICK_MS = 250;
const BEIJING_OFFSET_MS = 8 * 3600 * 1000; // China keeps UTC+8 all year
const ISO_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

// -- time and text ----------------------------------------------------------------------------

/** Fill ``%(name)s`` placeholders of a translated message. */
export function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (all, name) => (name in values ? String(values[name]) : all));
}

export const two = (n) => String(n).padStart(2, "0");

/** An instant (ms since the epoch) in Beijing time, as the server writes it. */
export function beijing(ms, seconds = true) {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const day = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return seconds ? `${day} ${time}:${two(d.getUTCSeconds())}` : `${day} ${time}`;
}

/** Instants a message quotes in ISO 8601 (a deadline, a window), shown in Beijing time. */
export function localTimes(text) {
  return String(text).replace(ISO_INSTANT, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : beijing(ms, false);
  });
}

/** The server's clock, seen from here: the last snapshot's ``server_time`` advanced by the time
 * this browser's monotonic clock has run since (``rate`` times faster for a sandbox tender). */
export class ServerClock {
  constructor(serverIso, rate = 1, localNow = () => performance.now()) {
    this.localNow = localNow;
    this.sync(serverIso, rate);
  }

  sync(serverIso, rate = 1) {
    const server = Date.parse(serverIso);
    if (Number.isNaN(server)) return;
    this.server = server;
    this.local = this.localNow();
    this.rate = Number(rate) > 0 ? Number(rate) : 1;
  }

  now() {
    return this.server + (this.localNow() - this.local) * this.rate;
  }
}

// -- requests ---------------------------------------------------------------------------------

/** A refusal of the API, with its problem document (RFC 9457) when there was one. */
export class Refused extends Error {
  constructor(status, problem) {
    super(`HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Send ``body`` (as JSON; none when undefined) with the session cookie; the answer's JSON, or
 * null when it has none (204). */
export async function send(method, url, body) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json, application/problem+json" },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  let answer = null;
  if (response.status !== 204) {
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
  }
  if (!response.ok) throw new Refused(response.status, answer);
  return answer;
}

// -- the document -----------------------------------------------------------------------------

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "hidden") node.hidden = Boolean(value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

// A part of the page may be missing (the reader's role leaves it out): then there is nothing to do.
export const show = (id, visible) => {
  const node = document.getElementById(id);
  if (node) node.hidden = !visible;
};
export const setText = (id, value) => {
  const node = document.getElementById(id);
  if (node) node.textContent = value;
};

// -- the page ---------------------------------------------------------------------------------

/** A live page around ``root`` (#hall, #room): its ids start with the root's id —
 * ``<id>-messages`` holds the translated messages (``data-msg``), ``<id>-problem`` and
 * ``<id>-done`` the notices, ``<id>-connection`` the line's indicator; ``data-live-url`` is the
 * WebSocket, ``data-state-url`` the same state from the API.
 *
 * apply(state): show a state, from the line or the API.
 * fromApi(state): the API's state as the line would send it.
 * refused(message): the line's refusal (the line has stopped by then).
 */
export class LivePage {
  constructor(root, { apply, fromApi = (state) => state, refused }) {
    const $ = (id) => document.getElementById(id);
    this.text = {};
    for (const span of document.querySelectorAll(`#${root.id}-messages [data-msg]`)) {
      this.text[span.dataset.msg] = span.textContent;
    }
    this.stateUrl = root.dataset.stateUrl;
    this.apply = apply;
    this.fromApi = fromApi;
    this.problemBox = $(`${root.id}-problem`);
    this.doneBox = $(`${root.id}-done`);
    // The line itself (back-off, silence, refusal) is live.js's; the page says what it means.
    this.live = new LiveLine({
      url: root.dataset.liveUrl,
      indicator: $(`${root.id}-connection`),
      say: (kind, seconds) => (kind === "reconnecting" ? fill(this.text.reconnecting, { n: seconds }) : this.text[kind] || ""),
      receive: apply,
      refused,
    });
  }

  /** Tick the page's clock from now on, and connect. */
  start(tick) {
    setInterval(tick, TICK_MS);
    tick();
    this.live.start();
  }

  // -- notices --------------------------------------------------------------------------------

  showDone(message) {
    this.problemBox.hidden = true;
    this.doneBox.textContent = message;
    this.doneBox.hidden = false;
  }

  showProblem(status, problem) {
    const { text, problemBox } = this;
    this.doneBox.hidden = true;
    const slug = problem && typeof problem.type === "string" ? problem.type.split("/").pop() : "";
    const heading = text[`problem_${slug}`] || text.refused;
    const detail = (problem && (problem.detail || problem.title)) || `HTTP ${status}`;
    problemBox.replaceChildren(element("strong", {}, heading), element("p", {}, localTimes(detail)));
    if (status === 401) {
      const back = encodeURIComponent(location.pathname);
      problemBox.append(element("p", {}, element("a", { href: `/login?next=${back}` }, text.sign_in)));
    }
    problemBox.hidden = false;
  }

  showMessage(message) {
    this.doneBox.hidden = true;
    this.problemBox.replaceChildren(element("p", {}, message));
    this.problemBox.hidden = false;
  }

  // -- the state and the reader's entries -----------------------------------------------------

  /** What the reader typed in ``field``, trimmed; null when nothing, with the focus back in the
   * field and ``message`` saying what it needs. */
  required(field, message) {
    const value = field.value.trim();
    if (!value) {
      this.showMessage(message);
      field.focus();
      return null;
    }
    return value;
  }

  async refresh() {
    // The socket brings every change; without one, ask once.
    if (this.live.open) return;
    try {
      const response = await fetch(this.stateUrl, { credentials: "same-origin" });
      if (response.ok) this.apply(this.fromApi(await response.json()));
    } catch {
      // the next message will come with the reconnection
    }
  }

  /** Send an entry: ``button`` (when there is one) is held down meanwhile; ``done`` is what the
   * notice says, or makes it from the API's answer. True when the API took it. */
  async act(button, request, done) {
    if (button) button.disabled = true;
    try {
      const answer = await request();
      this.showDone(typeof done === "function" ? done(answer) : done);
      await this.refresh();
      return true;
    } catch (error) {
      if (error instanceof Refused) this.showProblem(error.status, error.problem);
      else this.showMessage(this.text.network);
      return false;
    } finally {
      if (button) button.disabled = false;
    }
  }
}
