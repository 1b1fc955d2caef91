// prex live line: one WebSocket that a page follows, kept alive.
//
// The opening hall and the evaluation room follow their state the same way: the server sends a
// message on connecting, on every change and at least every 10 s; when the socket drops, or says
// nothing for too long, the page reconnects with jittered exponential back-off and shows the
// seconds left in its connection indicator; when the server refuses (an error message) it stops
// for good, since asking again would be refused again. Only what differs is the page's: where to
// connect, what to do with a message, what to do with a refusal and what the indicator says.
// Nothing here touches the document at load, so the page modules still import under node.
"use strict";

const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 30000;
const SILENCE_MS = 25000; // the server speaks at least every 10 s: beyond this the line is dead

export class LiveLine {
  /**
   * url: the page's WebSocket path, resolved against the page (http → ws, https → wss).
   * indicator: the element whose data-state and text say how the line is.
   * say(kind, seconds): the indicator's words for a state; seconds only for "reconnecting".
   * receive(message): a parsed message that is not a refusal.
   * refused(message): the server's refusal; the line has stopped and says "gone" by then.
   */
  constructor({
    url,
    indicator,
    say,
    receive,
    refused,
    silenceMs = SILENCE_MS,
    firstMs = RECONNECT_FIRST_MS,
    maxMs = RECONNECT_MAX_MS,
  }) {
    Object.assign(this, { url, indicator, say, receive, refused, silenceMs, firstMs, maxMs });
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.silence = null;
    this.stopped = false;
    this.retryAt = null;
  }

  /** Connect now, and again as soon as the browser says it is back online. */
  start() {
    window.addEventListener("online", () => {
      if (!this.socket && !this.stopped) {
        this.attempt = 0;
        this.connect();
      }
    });
    this.connect();
  }

  /** Whether a message could arrive now; when not, the page asks the API itself. */
  get open() {
    return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN);
  }

  show(kind) {
    this.indicator.dataset.state = kind;
    if (kind !== "reconnecting") this.retryAt = null;
    this.indicator.textContent = this.say(kind, this.seconds());
  }

  /** Whole seconds until the next attempt, or null when none is waiting. */
  seconds() {
    if (this.retryAt === null) return null;
    return Math.max(0, Math.ceil((this.retryAt - performance.now()) / 1000));
  }

  /** Count the wait down in the indicator; the page calls this on its own tick. */
  tick() {
    if (this.retryAt === null) return;
    this.indicator.textContent = this.say("reconnecting", this.seconds());
  }

  listen() {
    clearTimeout(this.silence);
    this.silence = setTimeout(() => {
      // No word for too long: the connection is dead even if nobody told the socket.
      const dead = this.socket;
      this.socket = null;
      if (dead) dead.close();
      this.retry();
    }, this.silenceMs);
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    clearTimeout(this.silence);
    const ceiling = Math.min(this.maxMs, this.firstMs * 2 ** this.attempt);
    this.attempt += 1;
    // Anywhere in the upper half of the ceiling, so that pages dropped together do not all
    // come back in the same instant.
    const wait = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.retryAt = performance.now() + wait;
    this.show("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  connect() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    const url = new URL(this.url, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.retry();
      return;
    }
    this.socket = ws;
    // Reconnecting keeps its countdown showing until the line is live again.
    if (this.indicator.dataset.state !== "reconnecting") this.show("connecting");
    ws.addEventListener("message", (event) => {
      // A socket given up on (by silence) may still speak: it is no longer listened to.
      if (ws !== this.socket) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data.error) {
        // Refused: asking again would be refused again, so stop.
        this.stopped = true;
        this.socket = null;
        clearTimeout(this.silence);
        ws.close();
        this.show("gone");
        this.refused(data);
        return;
      }
      this.attempt = 0;
      this.show("live");
      this.listen();
      this.receive(data);
    });
    ws.addEventListener("close", () => {
      if (ws !== this.socket) return;
      this.socket = null;
      this.retry();
    });
  }
}
