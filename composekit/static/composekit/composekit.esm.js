/*! composekit 0.1.0 | BSD-3-Clause */

// js/src/config.js
var config = {
  timeout: 1e4,
  retries: 2,
  lazyMargin: "200px",
  allowedOrigins: [],
  maxDepth: 5,
  allowScripts: false,
  nonce: "",
  identityCookie: "ck_identity",
  generationCookie: "ck_gen",
  batchUrl: ""
};

// js/src/http.js
var MAX_RETRY_AFTER = 3e4;
var delay = (retryAfter, n) => {
  const ms = /^\d+$/.test(String(retryAfter)) ? Number(retryAfter) * 1e3 : Date.parse(String(retryAfter)) - Date.now();
  if (Number.isNaN(ms)) return 300 * 2 ** (n - 1) * (0.5 + Math.random());
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER);
};
var credentialsFor = (src) => {
  if (!src) return null;
  const origin = new URL(src, document.baseURI).origin;
  if (origin === location.origin) return "same-origin";
  return config.allowedOrigins.includes(origin) ? "include" : null;
};
var problem = (response) => {
  if (!response.ok) return "HTTP " + response.status;
  if (response.redirected) return "redirected";
  if (!/^text\/html\s*(;|$)/i.test(response.headers.get("Content-Type") || "")) return "not text/html";
  return "";
};

// js/src/fetch.js
var names = (list) => list.split(/[\s,]+/).filter(Boolean);
var fetched = (status, html, cacheControl, etag, scopes, triggers = null) => {
  const directives = (cacheControl || "").toLowerCase();
  const isPublic = /\bpublic\b/.test(directives);
  const noStore = /\bno-store\b/.test(directives);
  const maxAge = isPublic || noStore || /\bno-cache\b/.test(directives) ? 0 : Number(/\bmax-age=(\d+)/.exec(directives)?.[1] || 0);
  return {
    html,
    isPublic,
    notModified: status === 304,
    etag: noStore ? null : etag,
    maxAge,
    scopes: scopes === null ? null : names(scopes),
    triggers: names(triggers || "")
  };
};
var sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
var failure = (error, status, attempt) => Object.assign(error instanceof Error ? error : Error(String(error)), { status, attempt });
var request = async (url, el, signal, fresh, deadline, etag) => {
  const credentials = credentialsFor(url);
  if (!url || !credentials) throw failure(Error("src refused"), 0, 0);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(Error("timeout")), deadline - Date.now());
  signal.onabort = () => controller.abort();
  try {
    for (let attempt = 1; ; attempt++) {
      let response;
      let status = 0;
      let error;
      try {
        response = await el.fetchFragment(url, {
          credentials,
          headers: { Accept: "text/html", ...etag && { "If-None-Match": etag } },
          signal: controller.signal,
          ...fresh && { cache: "no-cache" }
        });
        const why = etag && response.status === 304 ? "" : problem(response);
        if (!why) {
          const { headers } = response;
          const html = await response.text();
          const [cacheControl, etagOf, scopes, triggers] = ["Cache-Control", "ETag", "CK-Scopes", "CK-Trigger"].map(
            (h) => headers.get(h)
          );
          return fetched(response.status, html, cacheControl, etagOf, scopes, triggers);
        }
        status = response.status;
        error = Error(why);
      } catch (caught) {
        error = caught;
      }
      const retryable = !status || status > 501 && status < 505;
      const wait = delay(response?.headers.get("Retry-After"), attempt);
      if (!retryable || attempt > config.retries || signal.aborted || Date.now() + wait >= deadline) {
        throw failure(error, status, attempt);
      }
      await sleep(wait);
      if (signal.aborted) throw failure(Error("aborted"), 0, attempt);
    }
  } finally {
    clearTimeout(timer);
  }
};

// js/src/swap.js
var policy;
var parsing;
var parsed = () => parsing ||= new Promise((resolve) => {
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", () => resolve());
  else resolve();
});
var trusted = (html) => {
  if (config.createHTML) return config.createHTML(html);
  const { trustedTypes } = (
    /** @type {{ trustedTypes?: TrustedTypes }} */
    /** @type {unknown} */
    self
  );
  if (!trustedTypes) return html;
  policy ||= trustedTypes.createPolicy("composekit", { createHTML: (s) => s });
  return policy.createHTML(html);
};
var swap = (el, html, scripts) => {
  const markup = (
    /** @type {string} */
    trusted(html)
  );
  let fragment;
  if (scripts) {
    const range = document.createRange();
    range.selectNodeContents(el);
    fragment = range.createContextualFragment(markup);
  } else {
    const template = document.createElement("template");
    template.innerHTML = markup;
    fragment = template.content;
  }
  for (const script of fragment.querySelectorAll("script")) script.nonce = config.nonce;
  el.replaceChildren(fragment);
};

// js/src/batch.js
var WAIT_WHILE_PARSING = 50;
var queue = [];
var lazyWaiting = /* @__PURE__ */ new Set();
var batchKey = (src) => {
  if (!config.batchUrl || !src) return "";
  const batch = new URL(config.batchUrl, document.baseURI);
  const url = new URL(src, document.baseURI);
  const prefix = batch.pathname.replace(/[^/]+\/?$/, "");
  const name = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : "";
  const token = url.searchParams.get("p");
  const onlyParams = [...url.searchParams.keys()].join() === "p";
  if (url.origin !== batch.origin || !/^[a-z0-9][a-z0-9-]*\/$/.test(name) || !token || !onlyParams) return "";
  return name.slice(0, -1) + ":" + token;
};
var batched = (key, src, el, signal, etag, deadline) => new Promise((resolve, reject) => {
  queue.push({ key, src, el, signal, etag, deadline, resolve, reject, settled: false });
  if (queue.length > 1) return;
  if (document.readyState === "loading") {
    Promise.race([parsed(), new Promise((r) => setTimeout(r, WAIT_WHILE_PARSING))]).then(send);
  } else {
    setTimeout(send);
  }
});
var alone = (part) => {
  part.settled = true;
  request(part.src, part.el, part.signal, true, part.deadline, part.etag).then(part.resolve, part.reject);
};
var settle = (parts, { i, status, html = "", cache = null, etag = null, scopes = null, trigger: trigger2 = null }) => {
  const part = parts[i];
  if (!part || part.settled || status > 501 && status < 505) return;
  part.settled = true;
  if (status === 200 || status === 304 && part.etag) {
    part.resolve(fetched(status, html, cache, etag, scopes && scopes.join(" "), trigger2));
  } else {
    part.reject(failure(Error("HTTP " + status), status, 1));
  }
};
var send = async () => {
  for (const join of [...lazyWaiting]) join();
  const parts = queue.filter((part) => !part.signal.aborted);
  queue = [];
  if (parts.length < 2) return parts.forEach(alone);
  const url = new URL(config.batchUrl, document.baseURI);
  for (const part of parts) url.searchParams.append("f", part.etag ? part.key + "!" + part.etag : part.key);
  const controller = new AbortController();
  const stopIfUnwanted = () => {
    if (parts.every((part) => part.settled || part.signal.aborted)) controller.abort();
  };
  for (const part of parts) {
    part.signal.addEventListener("abort", stopIfUnwanted);
    setTimeout(() => {
      if (!part.settled) {
        part.settled = true;
        part.reject(failure(Error("timeout"), 0, 1));
      }
      stopIfUnwanted();
    }, part.deadline - Date.now());
  }
  try {
    const credentials = credentialsFor(url.href);
    if (!credentials) throw Error("batch endpoint refused");
    const response = await parts[0].el.fetchFragment(url.href, {
      credentials,
      headers: { Accept: "application/json" },
      signal: controller.signal,
      cache: "no-store"
    });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || response.redirected || !/^application\/json\s*(;|$)/i.test(type)) {
      throw Error("batch answered " + response.status);
    }
    const answers = (
      /** @type {Answer[]} */
      await response.json()
    );
    for (const answer of answers) settle(parts, answer);
  } catch {
  }
  for (const part of parts) if (!part.settled && !part.signal.aborted) alone(part);
};

// js/src/cookies.js
var cookie = (name) => {
  const prefix = name + "=";
  const found = document.cookie.split("; ").find((c) => c.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : "";
};
var identityMarker = () => cookie(config.identityCookie);
var generations = () => {
  const tokens = {};
  for (const pair of cookie(config.generationCookie).split(".")) {
    const at = pair.indexOf(":");
    if (at > 0) tokens[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return tokens;
};

// js/src/store.js
var PREFIX = "composekit:fragment:";
var OWNER = "composekit:kept-for";
var snapshot = () => ({ identity: identityMarker(), generations: generations() });
var dependencies = (scopes) => scopes === null ? ["@"] : ["*", ...scopes];
var kept = (src) => {
  let entry;
  try {
    entry = /** @type {Entry | null} */
    JSON.parse(
      /** @type {string} */
      localStorage.getItem(PREFIX + src)
    );
  } catch {
    return null;
  }
  if (entry?.identity !== identityMarker()) return null;
  const now = generations();
  for (const [scope, token] of Object.entries(entry.depends)) if ((now[scope] || "") !== token) return null;
  return entry;
};
var keep = (src, { html, etag, maxAge, scopes }, under) => {
  if (!maxAge && !etag) return;
  const entry = {
    html,
    etag,
    expires: Date.now() + maxAge * 1e3,
    identity: under.identity,
    depends: Object.fromEntries(dependencies(scopes).map((scope) => [scope, under.generations[scope] || ""]))
  };
  try {
    if (keys()[49]) forgetKept();
    keepOnlyFor(under.identity);
    localStorage.setItem(PREFIX + src, JSON.stringify(entry));
  } catch {
    forgetKept();
  }
};
var keys = () => Object.keys(localStorage).filter((k) => k.startsWith(PREFIX));
var keepOnlyFor = (identity) => {
  try {
    if (localStorage.getItem(OWNER) !== identity) {
      forgetKept();
      localStorage.setItem(OWNER, identity);
    }
  } catch {
  }
};
var forgetKept = () => {
  try {
    for (const key of keys()) localStorage.removeItem(key);
    localStorage.removeItem(OWNER);
  } catch {
  }
};

// js/src/load.js
var obtain = async (src, el, signal, fresh) => {
  const entry = src ? kept(src) : null;
  if (entry && !fresh && entry.expires > Date.now()) {
    return fetched(304, entry.html, null, entry.etag, null);
  }
  const under = snapshot();
  const etag = entry ? entry.etag : null;
  const alone2 = el.hasAttribute("public") || /^(off|session)$/.test(el.getAttribute("batch") || "");
  const key = alone2 ? "" : batchKey(src);
  const deadline = Date.now() + (Number(el.getAttribute("timeout")) || config.timeout);
  const result = key && src ? await batched(key, src, el, signal, etag, deadline) : await request(src, el, signal, fresh, deadline, etag);
  if (result.notModified && entry) result.html = entry.html;
  if (result.notModified) result.triggers = [];
  if (src && !result.isPublic) keep(src, result, under);
  return result;
};

// js/src/dedupe.js
var Shared = class {
  controller = new AbortController();
  waiters = 0;
  settled = false;
  /** @type {Promise<Fetched>} */
  response;
  /**
   * @param {string | null} src
   * @param {Requester} el the first element: its timeout and fetchFragment serve everyone
   * @param {boolean} fresh
   */
  constructor(src, el, fresh) {
    this.response = obtain(src, el, this.controller.signal, fresh);
  }
};
var requests = /* @__PURE__ */ new Map();
var shared = (el, src, signal, fresh = false) => {
  let entry = requests.get(src);
  if (!entry || fresh && entry.settled) {
    const created = entry = new Shared(src, el, fresh);
    const forget = () => {
      if (requests.get(src) === created) requests.delete(src);
    };
    requests.set(src, created);
    created.response.then(() => created.settled = true, forget);
    created.controller.signal.addEventListener("abort", forget);
  }
  const current2 = entry;
  current2.waiters++;
  signal.onabort = () => {
    current2.waiters--;
    if (current2.waiters === 0 && !current2.settled) current2.controller.abort();
  };
  return current2.response;
};
var clear = () => requests.clear();

// js/src/error.js
var showError = (host, nodes) => {
  const template = nodes.find((node) => node instanceof HTMLTemplateElement && node.hasAttribute("data-ck-error"));
  if (template) host.replaceChildren(
    /** @type {HTMLTemplateElement} */
    template.content.cloneNode(true),
    template
  );
};

// js/src/identity.js
var KEY = "composekit:identity";
var current = "";
var away = false;
var tellOtherTabs = (value) => {
  try {
    if (localStorage.getItem(KEY) !== value) localStorage.setItem(KEY, value);
  } catch {
  }
};
var announce = (reason, source = null) => {
  const detail = { reason, source };
  dispatchEvent(new CustomEvent("ck:renew", { detail }));
};
var renew = (reason, source = null) => {
  current = identityMarker();
  tellOtherTabs(current);
  clear();
  if (reason === "identity" || reason === "reset") forgetKept();
  keepOnlyFor(current);
  announce(reason, source);
};
var checkIdentity = (source = null) => {
  if (away || identityMarker() === current) return false;
  renew("identity", source);
  return true;
};
var watchIdentity = () => {
  current = identityMarker();
  tellOtherTabs(current);
  keepOnlyFor(current);
  addEventListener("storage", (event) => {
    if (event.key === KEY) checkIdentity();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) checkIdentity();
  });
  addEventListener("pagehide", (event) => {
    away = event.persisted;
    if (away) announce("pagehide");
  });
  addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    away = false;
    renew("restore");
  });
};

// js/src/triggers.js
var trigger = (name, source = null) => {
  const detail = { source };
  document.dispatchEvent(new CustomEvent(name, { detail }));
};

// js/src/element.js
var PLACEHOLDER = "ck-fragment, [data-ck-src]";
var detailOf = (error) => {
  const { status = 0, attempt = 0 } = (
    /** @type {{ status?: number, attempt?: number }} */
    error
  );
  return { status, attempt, error: (
    /** @type {Error} */
    error
  ) };
};
var placeholders = /* @__PURE__ */ new WeakMap();
var placeholderOf = (host) => placeholders.get(host) || new Placeholder(host);
var Placeholder = class {
  /** @type {HTMLElement} */
  host;
  /** @type {AbortController | undefined} the load in progress */
  #controller;
  /** @type {IntersectionObserver | undefined} waiting for a lazy element to come near */
  #observer;
  connected = false;
  // Whether a load was ever started here: a state the server wrote (inline mode) is final.
  #started = false;
  /**
   * The children the shell gave it (its fallback), kept at the first swap: shown again
   * whenever per-user content must go before new content is in.
   * @type {Node[] | undefined}
   */
  #fallback;
  // Whether the content came from a public response (the same for everyone). Content
  // rendered by the server (inline mode) is treated as private unless marked `public`.
  #public = false;
  // Attribute names: <ck-fragment src>, or <tr data-ck-src> for the attribute form.
  #prefix;
  /** @type {string | undefined} the HTML last swapped in: refresh() compares with it */
  #html;
  /** @param {HTMLElement} host */
  constructor(host) {
    this.host = host;
    this.#prefix = host.localName === "ck-fragment" ? "" : "data-ck-";
    placeholders.set(host, this);
  }
  /** @param {string} name */
  getAttribute(name) {
    return this.host.getAttribute(this.#prefix + name);
  }
  /** @param {string} name */
  hasAttribute(name) {
    return this.host.hasAttribute(this.#prefix + name);
  }
  /**
   * The network call: the host's fetchFragment when it has one (<ck-fragment> does).
   * @param {string} url
   * @param {RequestInit} init
   * @returns {Promise<Response>}
   */
  fetchFragment(url, init) {
    const host = (
      /** @type {HTMLElement & { fetchFragment?: Placeholder['fetchFragment'] }} */
      this.host
    );
    return host.fetchFragment ? host.fetchFragment(url, init) : fetch(url, init);
  }
  /**
   * Identity changed, page restored or going into the back/forward cache, or reset()
   * (identity.js): private content goes, and the element loads again unless the page is
   * being frozen. `source` started a fresh load of its own already.
   * @param {Event} event
   */
  #onRenew = (event) => {
    const { reason, source } = (
      /** @type {CustomEvent<CkRenewDetail>} */
      event.detail
    );
    if (!this.connected || !this.#private() || source === this.host) return;
    this.#forget();
    if (reason !== "pagehide") this.load(true);
  };
  connect() {
    if (this.connected) return;
    this.connected = true;
    this.#public ||= !this.#controller && this.hasAttribute("public");
    addEventListener("ck:renew", this.#onRenew);
    const state = this.getAttribute("state");
    if (state === "loaded" || state === "error" && !this.#started) return;
    if (this.getAttribute("loading") === "lazy") this.#loadWhenNear();
    else this.load();
  }
  disconnect() {
    this.connected = false;
    removeEventListener("ck:renew", this.#onRenew);
    this.#cancel();
  }
  /**
   * A new src is loaded at once; a lazy element that has not started waits as before.
   * @param {string | null} oldValue
   * @param {string | null} newValue
   */
  srcChanged(oldValue, newValue) {
    if (this.connected && oldValue !== newValue && this.hasAttribute("state")) this.load();
  }
  /**
   * Asks the server whether the content changed (revalidating what the browser or the loader
   * keeps) and swaps only if it did: unchanged, there is no DOM work at all, not even a
   * state change or an event. Changed: ck:beforeswap, ck:load and ck:loadend, no
   * ck:loadstart (the old content stays until the new one is in). Does nothing while a load
   * is in flight (it answers already) or before the first one. Resolves to whether the
   * content changed; rejects, leaving the content, when the request fails.
   * @returns {Promise<boolean>}
   */
  async refresh() {
    const state = this.getAttribute("state");
    if (!this.connected || !state || state === "loading") return false;
    const controller = this.#controller = new AbortController();
    const result = await shared(this, this.getAttribute("src"), controller.signal, true);
    await parsed();
    if (controller.signal.aborted || result.html === this.#html) return false;
    this.#show(result);
    this.#fire("loadend");
    return true;
  }
  // Whether it has (or is getting) content that may be someone's own.
  #private() {
    return this.hasAttribute("state") && !this.#public;
  }
  #loadWhenNear() {
    this.#observer = new IntersectionObserver(
      (entries) => {
        if (entries[entries.length - 1].isIntersecting) this.load();
      },
      { rootMargin: config.lazyMargin }
    );
    this.#observer.observe(this.host);
    lazyWaiting.add(this.#joinIfNear);
  }
  // Called by a batch about to go (batch.js): in view already, this element joins it.
  #joinIfNear = () => {
    const margin = parseFloat(config.lazyMargin) || 0;
    const rects = this.host.getClientRects();
    const box = this.host.getBoundingClientRect();
    if (rects.length && box.bottom >= -margin && box.top <= innerHeight + margin) this.load();
  };
  #cancel() {
    this.#observer?.disconnect();
    lazyWaiting.delete(this.#joinIfNear);
    this.#controller?.abort();
  }
  #forget() {
    this.#cancel();
    this.host.replaceChildren(...(this.#fallback || []).map((node) => node.cloneNode(true)));
  }
  /**
   * Dispatches ck:<type>; only ck:beforeswap is cancelable.
   * @param {string} type
   * @param {unknown} [detail]
   */
  #fire(type, detail = null) {
    const event = new CustomEvent("ck:" + type, {
      bubbles: true,
      composed: true,
      cancelable: type === "beforeswap",
      detail
    });
    return this.host.dispatchEvent(event);
  }
  /** @param {'loading' | 'loaded' | 'error'} state */
  #setState(state) {
    if (this.getAttribute("state") !== state) this.host.setAttribute(this.#prefix + "state", state);
    if (state === "loading") this.host.setAttribute("aria-busy", "true");
    else this.host.removeAttribute("aria-busy");
  }
  /**
   * Swaps the answer in (unless a ck:beforeswap listener takes over), then dispatches the
   * events its server named (CK-Trigger).
   * @param {Fetched} answer
   */
  #show({ html, isPublic, triggers }) {
    const detail = { html };
    if (this.#fire("beforeswap", detail)) {
      this.#fallback ??= [...this.host.childNodes];
      swap(this.host, detail.html, config.allowScripts || this.hasAttribute("allow-scripts"));
    }
    this.#html = html;
    this.#public = isPublic;
    this.#setState("loaded");
    this.#fire("load");
    for (const name of triggers) trigger(name, this.host);
  }
  /** Why this element must not load its src here, or '' when it may. */
  #nestingProblem() {
    const src = this.getAttribute("src");
    let depth = 0;
    for (let parent = this.host.parentElement?.closest(PLACEHOLDER); parent; parent = parent.parentElement?.closest(PLACEHOLDER)) {
      if (parent.getAttribute(parent.localName === "ck-fragment" ? "src" : "data-ck-src") === src)
        return "includes itself";
      if (++depth >= config.maxDepth) return "too deep";
    }
    return "";
  }
  /** @param {boolean} [fresh] revalidate with the server (a reload) */
  async load(fresh = false) {
    checkIdentity(this.host);
    this.#cancel();
    this.#started = true;
    const controller = this.#controller = new AbortController();
    this.#setState("loading");
    this.#fire("loadstart");
    try {
      const nesting = this.#nestingProblem();
      if (nesting) throw failure(Error(nesting), 0, 0);
      const answer = await shared(this, this.getAttribute("src"), controller.signal, fresh);
      await parsed();
      if (controller.signal.aborted) return;
      this.#show(answer);
    } catch (error) {
      if (controller.signal.aborted) return;
      this.#setState("error");
      showError(this.host, this.#fallback || [...this.host.childNodes]);
      this.#fire("error", detailOf(error));
    }
    this.#fire("loadend");
  }
};
var CkFragment = class extends HTMLElement {
  static observedAttributes = ["src"];
  #placeholder = new Placeholder(this);
  connectedCallback() {
    this.#placeholder.connect();
  }
  disconnectedCallback() {
    this.#placeholder.disconnect();
  }
  /**
   * Initial attributes (before the element is in the document) start nothing here.
   * @param {string} _name
   * @param {string | null} oldValue
   * @param {string | null} newValue
   */
  attributeChangedCallback(_name, oldValue, newValue) {
    this.#placeholder.srcChanged(oldValue, newValue);
  }
  /**
   * Fetches again, even in inline mode; a settled shared response for the same src is
   * dropped. Resolves once the load has ended, however it ended.
   * @returns {Promise<void>}
   */
  reload() {
    return this.#placeholder.load(true);
  }
  /**
   * Revalidates with the server and swaps only if the content changed (see Placeholder.refresh).
   * @returns {Promise<boolean>}
   */
  refresh() {
    return this.#placeholder.refresh();
  }
  /**
   * The network call: the one seam to stub in tests or to wrap (e.g. add a header).
   * @param {string} url
   * @param {RequestInit} init
   * @returns {Promise<Response>}
   */
  fetchFragment(url, init) {
    return fetch(url, init);
  }
};

// js/src/attached.js
var SELECTOR = "[data-ck-src]";
var each = (node, fn) => {
  if (!(node instanceof HTMLElement)) return;
  if (node.matches(SELECTOR)) fn(node);
  for (const el of node.querySelectorAll(SELECTOR)) fn(
    /** @type {HTMLElement} */
    el
  );
};
var connect = (el) => {
  if (el.isConnected) placeholderOf(el).connect();
};
var disconnect = (el) => {
  if (!el.isConnected) placeholderOf(el).disconnect();
};
var watchAttached = () => {
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.removedNodes) each(node, disconnect);
      for (const node of record.addedNodes) each(node, connect);
      const el = (
        /** @type {HTMLElement} */
        record.target
      );
      if (record.type !== "attributes" || !el.isConnected || !el.hasAttribute("data-ck-src")) continue;
      const placeholder = placeholderOf(el);
      if (placeholder.connected) placeholder.srcChanged(record.oldValue, el.getAttribute("data-ck-src"));
      else placeholder.connect();
    }
  }).observe(document, { childList: true, subtree: true, attributeFilter: ["data-ck-src"], attributeOldValue: true });
  each(document.documentElement, connect);
};

// js/src/define.js
var retry = (event) => {
  const button = event.target instanceof Element && event.target.closest("[data-ck-retry]");
  const host = button && button.closest(PLACEHOLDER);
  if (!(host instanceof HTMLElement)) return;
  event.preventDefault();
  placeholderOf(host).load(true);
};
var define = () => {
  if (customElements.get("ck-fragment")) return;
  watchIdentity();
  customElements.define("ck-fragment", CkFragment);
  watchAttached();
  document.addEventListener("click", retry);
};
var reload = (name) => {
  const value = CSS.escape(name);
  const hosts = document.querySelectorAll(`ck-fragment[name="${value}"], [data-ck-src][data-ck-name="${value}"]`);
  return Promise.all([...hosts].map((host) => placeholderOf(
    /** @type {HTMLElement} */
    host
  ).load(true)));
};
var reset = () => renew("reset");

// js/src/index.js
var version = "0.1.0";
export {
  CkFragment,
  config,
  define,
  reload,
  reset,
  trigger,
  version
};
