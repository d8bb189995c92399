/*! composekit 0.1.0 | BSD-3-Clause */
"use strict";
(() => {
  // js/src/live/config.js
  var liveConfig = {
    coalesce: 100,
    tabs: [],
    maxBackoff: 3e5,
    csrfCookie: "csrftoken",
    csrfHeader: "X-CSRFToken"
  };
  var cookie = (name) => {
    const prefix = name + "=";
    const found = document.cookie.split("; ").find((c) => c.startsWith(prefix));
    return found ? decodeURIComponent(found.slice(prefix.length)) : "";
  };
  var interval = (text) => {
    const match = /^([1-9][0-9]*)(ms|s|m|h)$/.exec(text || "");
    if (!match) return NaN;
    return Number(match[1]) * { ms: 1, s: 1e3, m: 6e4, h: 36e5 }[
      /** @type {'ms' | 's' | 'm' | 'h'} */
      match[2]
    ];
  };

  // js/src/live/events.js
  var KEY = "composekit:event";
  var listening = /* @__PURE__ */ new Set();
  var pending = /* @__PURE__ */ new WeakMap();
  var eventsOf = (el) => (el.getAttribute("refresh-on") || "").split(/\s+/).filter(Boolean);
  var schedule = (el) => {
    let state = pending.get(el);
    if (!state) pending.set(el, state = { timer: 0, running: false, again: false });
    if (state.running) {
      state.again = true;
      return;
    }
    if (state.timer) return;
    const owed = state;
    owed.timer = setTimeout(async () => {
      owed.timer = 0;
      owed.running = true;
      try {
        await el.refresh();
      } catch {
      } finally {
        owed.running = false;
        if (owed.again) {
          owed.again = false;
          schedule(el);
        }
      }
    }, liveConfig.coalesce);
  };
  var identity = () => cookie(self.composekit?.config?.identityCookie || "ck_identity");
  var onEvent = (name, event) => {
    const detail = (
      /** @type {CustomEvent<{ tab?: boolean, answered?: Set<Element> } | null>} */
      event.detail
    );
    for (const el of document.querySelectorAll("ck-fragment[refresh-on]")) {
      if (eventsOf(el).includes(name) && !detail?.answered?.has(el)) schedule(
        /** @type {Fragment} */
        el
      );
    }
    const fromTab = detail?.tab;
    if (!fromTab && liveConfig.tabs.includes(name)) {
      try {
        localStorage.setItem(KEY, JSON.stringify({ name, identity: identity(), id: Math.random() }));
      } catch {
      }
    }
  };
  var listen = (name) => {
    if (listening.has(name)) return;
    listening.add(name);
    document.addEventListener(name, (event) => onEvent(name, event));
  };
  var watchEvents = (root = document) => {
    for (const el of within(root, "ck-fragment[refresh-on]")) eventsOf(el).forEach(listen);
    liveConfig.tabs.forEach(listen);
  };
  var within = (root, selector) => [
    ...root instanceof Element && root.matches(selector) ? [root] : [],
    ...root.querySelectorAll(selector)
  ];
  var hearOtherTabs = () => {
    addEventListener("storage", (event) => {
      if (event.key !== KEY || !event.newValue) return;
      let told;
      try {
        told = JSON.parse(event.newValue);
      } catch {
        return;
      }
      if (told.identity !== identity() || !liveConfig.tabs.includes(told.name)) return;
      document.dispatchEvent(new CustomEvent(told.name, { detail: { source: null, tab: true } }));
    });
  };

  // js/src/live/answer.js
  var shown = () => {
    const entries = /* @__PURE__ */ new Map();
    for (const el of document.querySelectorAll("ck-fragment[state=loaded]:not([public]):not([batch=off])")) {
      const url = new URL(el.getAttribute("src") || "", document.baseURI);
      const token = url.searchParams.get("p");
      const name = el.getAttribute("name");
      if (url.origin !== location.origin || !token || !name) continue;
      const events = eventsOf(el);
      const entry = name + ":" + token + (events.length ? ";" + events : "");
      entries.set(entry, [
        ...entries.get(entry) || [],
        /** @type {Fragment} */
        el
      ]);
    }
    return entries;
  };
  var swapAnswer = async (response, hosts) => {
    const answered = /* @__PURE__ */ new Set();
    if (!/^application\/json/i.test(response.headers.get("Content-Type") || "")) return answered;
    const parts = (
      /** @type {Part[]} */
      await response.json()
    );
    for (const { i, status, html = "", cache, etag, scopes, trigger } of parts) {
      if (status !== 200) continue;
      const fields = {
        "Content-Type": "text/html",
        "Cache-Control": cache,
        ETag: etag,
        "CK-Scopes": scopes?.join(),
        "CK-Trigger": trigger
      };
      const headers = (
        /** @type {[string, string][]} */
        Object.entries(fields).filter(([, value]) => value != null)
      );
      for (const el of hosts[i] || []) {
        if (el.getAttribute("state") !== "loaded") continue;
        const src = el.getAttribute("src");
        const own = Object.hasOwn(el, "fetchFragment");
        const fetchFragment = el.fetchFragment;
        el.fetchFragment = (url, init) => url === src ? Promise.resolve(new Response(html, { headers })) : fetchFragment.call(el, url, init);
        try {
          await el.refresh();
          answered.add(el);
        } catch {
        } finally {
          if (own) el.fetchFragment = fetchFragment;
          else delete /** @type {Partial<Fragment>} */
          el.fetchFragment;
        }
      }
    }
    return answered;
  };

  // js/src/live/forms.js
  var send = async (form, submitter, fragments) => {
    const data = new FormData(form, submitter);
    const headers = { "CK-Request": "form" };
    if (fragments) headers["CK-Fragments"] = fragments;
    const token = cookie(liveConfig.csrfCookie);
    if (token && !data.has("csrfmiddlewaretoken")) headers[liveConfig.csrfHeader] = token;
    const get = form.method === "get";
    const url = new URL(form.action);
    if (get)
      url.search = new URLSearchParams(
        /** @type {Record<string, string>} */
        /** @type {unknown} */
        data
      ).toString();
    const response = await fetch(url, {
      method: get ? "GET" : "POST",
      body: get ? void 0 : data,
      headers,
      credentials: "same-origin"
    });
    if (!response.ok || response.redirected) throw Error(`${form.action} answered ${response.status}`);
    return response;
  };
  var submitForms = () => {
    document.addEventListener("submit", async (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-ck-submit") || event.defaultPrevented) return;
      event.preventDefault();
      if (form.getAttribute("aria-busy") === "true") return;
      const submitter = (
        /** @type {SubmitEvent} */
        event.submitter
      );
      form.setAttribute("aria-busy", "true");
      const entries = shown();
      let response;
      try {
        response = await send(form, submitter, [...entries.keys()].join(" "));
      } catch {
        form.removeAttribute("aria-busy");
        form.removeAttribute("data-ck-submit");
        form.requestSubmit(submitter);
        return;
      }
      const answered = await swapAnswer(response, [...entries.values()]).catch(() => /* @__PURE__ */ new Set());
      form.removeAttribute("aria-busy");
      for (const name of (response.headers.get("CK-Trigger") || "").split(/[\s,]+/).filter(Boolean)) {
        document.dispatchEvent(new CustomEvent(name, { detail: { source: form, answered } }));
      }
    });
  };

  // js/src/live/poll.js
  var polls = /* @__PURE__ */ new Map();
  var observer;
  var visible = (el) => !document.hidden && /** @type {Poll} */
  polls.get(el).onScreen;
  var plan = (el, poll2) => {
    clearTimeout(poll2.timer);
    if (!visible(el)) return;
    poll2.timer = setTimeout(() => tick(el, poll2), Math.max(0, poll2.due - Date.now()));
  };
  var tick = async (el, poll2) => {
    if (!el.isConnected) {
      stop(el);
      return;
    }
    if (!visible(el)) return;
    try {
      await el.refresh();
      poll2.wait = poll2.every;
    } catch {
      poll2.wait = Math.min(poll2.wait * 2, Math.max(liveConfig.maxBackoff, poll2.every));
    }
    poll2.due = Date.now() + poll2.wait;
    if (polls.get(el) === poll2) plan(el, poll2);
  };
  var stop = (el) => {
    const poll2 = polls.get(el);
    if (poll2) clearTimeout(poll2.timer);
    polls.delete(el);
    observer?.unobserve(el);
  };
  var poll = (el) => {
    const every = interval(el.getAttribute("refresh-every"));
    const current = polls.get(el);
    if (current && current.every === every) return;
    stop(el);
    if (!every) return;
    observer ||= new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const target = (
          /** @type {Fragment} */
          entry.target
        );
        const known = polls.get(target);
        if (!known) continue;
        known.onScreen = entry.isIntersecting;
        plan(target, known);
      }
    });
    const created = { every, wait: every, due: Date.now() + every, timer: 0, onScreen: false };
    polls.set(el, created);
    observer.observe(el);
  };
  var watchPolls = (root = document) => {
    for (const el of within(root, "ck-fragment[refresh-every]")) poll(
      /** @type {Fragment} */
      el
    );
  };
  var followVisibility = () => {
    document.addEventListener("visibilitychange", () => {
      for (const [el, known] of polls) {
        if (document.hidden) clearTimeout(known.timer);
        else plan(el, known);
      }
    });
  };

  // js/src/live/index.js
  var started = false;
  var start = () => {
    if (started) return;
    started = true;
    watchEvents();
    watchPolls();
    document.addEventListener("ck:load", (event) => {
      const el = (
        /** @type {Element} */
        event.target
      );
      watchEvents(el);
      watchPolls(el);
    });
    document.addEventListener("DOMContentLoaded", () => {
      watchEvents();
      watchPolls();
    });
    hearOtherTabs();
    followVisibility();
    submitForms();
  };

  // js/src/live/iife.js
  var script = document.currentScript;
  if (script) {
    const { coalesce, tabs, csrfCookie, csrfHeader } = script.dataset;
    if (coalesce && /^\d+$/.test(coalesce)) liveConfig.coalesce = Number(coalesce);
    if (tabs) liveConfig.tabs = tabs.split(/\s+/).filter(Boolean);
    if (csrfCookie) liveConfig.csrfCookie = csrfCookie;
    if (csrfHeader) liveConfig.csrfHeader = csrfHeader;
  }
  if (self.composekit) self.composekit.live = { config: liveConfig };
  start();
})();
