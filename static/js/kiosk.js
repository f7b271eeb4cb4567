// The kiosk's rating loop: faces -> optional reasons -> thank you -> back to the start.
// Votes go into a queue kept in localStorage and leave it only when the server has confirmed
// them, so a dropped network or a reload loses nothing; the server deduplicates by UUID.
(function () {
  "use strict";

  const body = document.body;
  if (!body.classList.contains("kiosk")) {
    setUpKeypad(document);
    return;
  }

  const seconds = (name) => Number(body.dataset[name]) * 1000;
  const IDLE_MS = seconds("idleSeconds");
  const REASON_MS = seconds("reasonSeconds");
  const THANKS_MS = seconds("thanksSeconds");
  const VOTE_URL = body.dataset.voteUrl;
  const QUEUE_KEY = "suara.kiosk.queue";
  const REJECTED_KEY = "suara.kiosk.rejected";
  const RETRY_MS = 15000;           // a round of the queue at least this often
  // A preview for the unit's staff (appraisal's questions page): the same screens, nothing sent.
  const PREVIEW = body.dataset.preview === "1";

  const screens = {};
  document.querySelectorAll("[data-screen]").forEach((el) => { screens[el.dataset.screen] = el; });
  const dialog = document.getElementById("duty-dialog");
  const queueStatus = document.querySelector(".queue-status");

  let vote = null;          // the vote being made: {value, reasons:Set}
  let stepTimer = null;     // moves the flow on by itself
  let idleTimer = null;     // returns to the start when nobody touches the screen

  // --- language ------------------------------------------------------------------------------
  function setLang(lang) {
    body.dataset.lang = lang;
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-set-lang]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.setLang === lang));
    });
  }

  // --- screens -------------------------------------------------------------------------------
  function show(name) {
    // A focused face, chip or button is about to be hidden: the focus follows to the new
    // screen's heading, so that a keyboard goes on from there and a screen reader reads it.
    const active = document.activeElement;
    const focusWasHere = active && active !== body && Object.values(screens).some((el) => el.contains(active));
    Object.entries(screens).forEach(([key, el]) => { el.hidden = key !== name; });
    body.dataset.current = name;
    const heading = screens[name] && screens[name].querySelector("h1[tabindex]");
    if (focusWasHere && heading && !(dialog && dialog.open)) heading.focus({ preventScroll: true });
  }

  function clearTimers() {
    clearTimeout(stepTimer);
    clearTimeout(idleTimer);
  }

  function reset() {
    clearTimers();
    vote = null;
    document.querySelectorAll(".chip").forEach((chip) => chip.setAttribute("aria-pressed", "false"));
    if (dialog && dialog.open) dialog.close();
    setLang("id"); // the next citizen starts in Bahasa Indonesia
    show("rate");
  }

  // Any touch mid-flow restarts the idle countdown; idle at the start screen in Bahasa Indonesia
  // is the resting state. The start screen in another language is not: the citizen who chose it
  // may have walked away, and the next one reads Bahasa Indonesia first.
  function poke() {
    clearTimeout(idleTimer);
    if (body.dataset.current !== "rate" || body.dataset.lang !== "id" || (dialog && dialog.open)) {
      // A survey code on show waits for the citizen's phone camera, not for a tap.
      const showingCode = dialog && dialog.open && dialog.querySelector(".service-code");
      idleTimer = setTimeout(onIdle, showingCode ? Number(dialog.dataset.longIdleSeconds) * 1000 : IDLE_MS);
    }
  }

  function onIdle() {
    if (vote) send(); // a face was tapped: that is a real vote, send it with what was picked
    else reset();
  }

  function restartCountdown() {
    clearTimeout(stepTimer);
    const bar = screens.reasons.querySelector(".countdown-bar");
    bar.classList.remove("running");
    void bar.offsetWidth; // restart the CSS animation
    bar.style.animationDuration = REASON_MS + "ms";
    bar.classList.add("running");
    stepTimer = setTimeout(send, REASON_MS);
  }

  function chooseFace(value) {
    vote = { value: value, reasons: new Set() };
    screens.reasons.dataset.tone = value <= 2 ? "low" : "high";
    show("reasons");
    restartCountdown();
    poke();
  }

  function toggleReason(chip) {
    if (!vote) return;
    const code = chip.dataset.reason;
    const on = chip.getAttribute("aria-pressed") !== "true";
    chip.setAttribute("aria-pressed", String(on));
    if (on) vote.reasons.add(code); else vote.reasons.delete(code);
    restartCountdown();
  }

  // Between two citizens: the start screen again, and the banner asked now (not only at its
  // minute) whether the question or the reasons changed, so that the next citizen sees them.
  function nextCitizen() {
    reset();
    const banner = document.getElementById("banner");
    if (!PREVIEW && banner && window.htmx && banner.getAttribute("hx-get")) {
      window.htmx.ajax("GET", banner.getAttribute("hx-get"), { target: "#banner", swap: "outerHTML" });
    }
  }

  function send() {
    if (!vote) return;
    if (PREVIEW) {
      vote = null;
      clearTimers();
      show("thanks");
      stepTimer = setTimeout(reset, THANKS_MS);
      return;
    }
    enqueue({
      uuid: uuid4(),
      value: vote.value,
      reasons: Array.from(vote.reasons),
      cast_at: new Date().toISOString(),
      locale: body.dataset.lang,
      question: body.dataset.question, // the question on screen: a change made since must not rewrite it
    });
    vote = null;
    clearTimers();
    show("thanks");
    stepTimer = setTimeout(nextCitizen, THANKS_MS);
    flush(false);
  }

  // --- the queue -----------------------------------------------------------------------------
  // What the server's answer to a vote means for it:
  //   2xx                        stored (or stored before): it leaves the queue;
  //   4xx with "final": true     refused for good (malformed, or its id taken by another device;
  //                              see kiosk/errors.py): it leaves the queue, the server has recorded
  //                              it for the staff, and a copy stays on the device (REJECTED_KEY);
  //   401, 429                   about the tablet, not the vote (not paired, over its rate):
  //                              nothing else would pass either, so the round stops for a while;
  //   no answer                  most likely the network: the round stops (see below);
  //   anything else (5xx, a 4xx  the vote is tried again later, with exponential back-off, and
  //   not final, e.g. 409        the votes behind it go on meanwhile.
  //   no_question)
  // So no one vote can hold up the others, and none leaves the tablet unless stored or recorded.
  const BACKOFF_FIRST_MS = 5000;
  const BACKOFF_MAX_MS = 10 * 60 * 1000;
  const PAUSE_MS = 60000;            // after a 401, or a 429 without Retry-After
  const SEND_TIMEOUT_MS = 20000;     // a request that hangs must not stop the queue for good
  const REJECTED_KEPT = 200;         // the device's copies of refused votes, newest kept

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(key, items) { localStorage.setItem(key, JSON.stringify(items)); }

  function enqueue(item) {
    const queue = load(QUEUE_KEY);
    queue.push(item);
    save(QUEUE_KEY, queue);
    renderQueue();
  }

  function removeFromQueue(uuid) {
    save(QUEUE_KEY, load(QUEUE_KEY).filter((item) => item.uuid !== uuid));
  }

  // The queue's items carry their own retry state: tries (answers that were errors) and retryAt.
  function updateInQueue(uuid, change) {
    save(QUEUE_KEY, load(QUEUE_KEY).map((item) => (item.uuid === uuid ? Object.assign({}, item, change) : item)));
  }

  function backoff(tries) {
    // 5 s, 10 s, 20 s ... up to 10 minutes, each spread by up to a quarter so that tablets that
    // failed together do not come back together.
    const base = Math.min(BACKOFF_FIRST_MS * Math.pow(2, tries - 1), BACKOFF_MAX_MS);
    return base * (0.75 + Math.random() / 4);
  }

  function keepRejected(item, answer) {
    const rejected = load(REJECTED_KEY);
    rejected.push(Object.assign({}, item, { refused: answer && answer.error, refusedAt: new Date().toISOString() }));
    save(REJECTED_KEY, rejected.slice(-REJECTED_KEPT));
  }

  async function post(item) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
    try {
      const { uuid, value, reasons, cast_at, locale, question } = item; // not the retry state
      return await fetch(VOTE_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        credentials: "same-origin",
        redirect: "error", // a captive portal's redirect is no answer from the server
        body: JSON.stringify({ uuid, value, reasons, cast_at, locale, question }),
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async function answerOf(response) {
    try { return await response.json(); } catch (e) { return null; }
  }

  let flushing = false;
  let why = null;          // why votes wait: "offline", "server", "unpaired"; null when none do
  let pausedUntil = 0;     // no round before this (after a 401 or a 429)

  async function flush(force) {
    if (flushing) return;
    if (!force && Date.now() < pausedUntil) return;
    flushing = true;
    let failure = null;
    const tried = new Set();
    try {
      // Oldest first among the votes that are due (the server keeps each vote's cast time anyway).
      for (;;) {
        const now = Date.now();
        const item = load(QUEUE_KEY).find((v) => !tried.has(v.uuid) && !(v.retryAt > now));
        if (!item) break;
        tried.add(item.uuid);
        let response;
        try {
          response = await post(item);
        } catch (networkError) {
          // No answer: most likely the network, so the round stops (the next vote would fare no
          // better). The vote waits its back-off all the same, so that a request that always
          // hangs cannot hold up the others; the network coming back makes such votes due again.
          const tries = (item.tries || 0) + 1;
          updateInQueue(item.uuid, { tries: tries, retryAt: Date.now() + backoff(tries), lost: true });
          failure = "offline";
          break;
        }
        const answer = await answerOf(response);
        if (response.ok && answer && answer.uuid === item.uuid) {
          removeFromQueue(item.uuid); // stored: the server says so, about this very vote
        } else if (response.status >= 400 && response.status < 500 && answer && answer.final === true) {
          keepRejected(item, answer);
          removeFromQueue(item.uuid);
        } else if (response.status === 401 || response.status === 429) {
          const retryAfter = Number(response.headers.get("Retry-After"));
          pausedUntil = Date.now() + (retryAfter > 0 ? retryAfter * 1000 : PAUSE_MS);
          failure = response.status === 401 ? "unpaired" : "server";
          break;
        } else {
          // A server error, or an answer that is not the vote endpoint's (a proxy's page): later.
          const tries = (item.tries || 0) + 1;
          updateInQueue(item.uuid, { tries: tries, retryAt: Date.now() + backoff(tries) });
          failure = "server";
        }
      }
    } finally {
      flushing = false;
      // A round with nothing due says nothing new: the last reason stands while votes wait.
      why = load(QUEUE_KEY).length ? (failure || why) : null;
      renderQueue();
    }
  }

  function renderQueue() {
    const waiting = load(QUEUE_KEY).length;
    queueStatus.querySelector(".queue-count").textContent = String(waiting);
    queueStatus.querySelectorAll("[data-why]").forEach((el) => { el.hidden = el.dataset.why !== why; });
    queueStatus.hidden = !(why && waiting > 0);
  }

  function uuid4() {
    // crypto.randomUUID needs a secure context; a kiosk on a plain-http office LAN has none.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // --- wiring --------------------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const target = event.target.closest("button, a");
    const screen = body.dataset.current;
    poke();
    if (screen === "thanks" && !(dialog && dialog.open)) {
      nextCitizen(); // the next citizen need not wait for the thank-you to time out
      return;
    }
    if (!target) return;
    if (target.dataset.setLang) { setLang(target.dataset.setLang); poke(); }
    else if (target.classList.contains("face")) chooseFace(Number(target.dataset.value));
    else if (target.classList.contains("chip")) toggleReason(target);
    else if (target.classList.contains("send")) send();
    else if (target.classList.contains("close-dialog")) { dialog.close(); poke(); }
  });

  // Moving through the reasons with the keyboard counts as using the screen, as a tap does:
  // the step does not move on under someone still choosing.
  document.addEventListener("keydown", () => {
    poke();
    if (body.dataset.current === "reasons" && vote && !(dialog && dialog.open)) restartCountdown();
  });

  // The duty panel arrives by htmx into the dialog.
  // The banner's minute refresh also says what the screen should show: when an administrator
  // has changed the question or the reasons, reload, but only between citizens.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const banner = event.detail.target.id === "banner" ? document.getElementById("banner") : null;
    if (banner && banner.dataset.configVersion !== body.dataset.configVersion
        && body.dataset.current === "rate" && !vote && !(dialog && dialog.open)) {
      window.location.reload();
    }
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    // Only the staff panel's swaps (the banner's minute refresh is none of the dialog's business).
    if (!["duty-panel", "duty"].includes(event.detail.target.id)) return;
    // The dialog is named by whatever heading its content has now.
    const heading = dialog.querySelector("h2");
    if (heading) {
      heading.id = heading.id || "dialog-title";
      dialog.setAttribute("aria-labelledby", heading.id);
    }
    if (!dialog.open) dialog.showModal();
    setUpKeypad(dialog);
    poke();
  });
  document.body.addEventListener("duty-changed", () => {
    setTimeout(() => { if (dialog.open) dialog.close(); poke(); }, 1500);
  });
  dialog.addEventListener("close", poke);

  // Keep the kiosk screen available offline (a tablet rebooted without network still works).
  if (!PREVIEW && "serviceWorker" in navigator && body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: body.dataset.scope })
      .catch(() => { /* no service worker (e.g. plain http): the kiosk still works while the page is open */ });
  }

  // The network is back: the votes that got no answer are due again, and a round starts now,
  // even within a pause.
  window.addEventListener("online", () => {
    save(QUEUE_KEY, load(QUEUE_KEY).map((item) => (item.lost ? Object.assign({}, item, { retryAt: 0, lost: false }) : item)));
    flush(true);
  });
  reset();
  if (!PREVIEW) {
    setInterval(() => flush(false), RETRY_MS);
    flush(false);
  }

  // --- the PIN keypad (also on the plain duty page) --------------------------------------------
  function setUpKeypad(root) {
    root.querySelectorAll(".keypad:not([data-ready])").forEach((keypad) => {
      keypad.dataset.ready = "1";
      const input = keypad.closest("form").querySelector(".pin-display");
      keypad.addEventListener("click", (event) => {
        const key = event.target.closest("[data-key]");
        if (!key) return;
        if (key.dataset.key === "back") input.value = input.value.slice(0, -1);
        else if (input.value.length < 8) input.value += key.dataset.key;
      });
    });
  }
})();
