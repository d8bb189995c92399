/*! composekit 0.1.0 | BSD-3-Clause */

// js/src/config.js
var config = {
  timeout: 1e4,
  // ms per attempt
  retries: 2,
  // extra attempts after a network error, a timeout or a 502/503/504
  lazyMargin: "200px",
  // IntersectionObserver rootMargin for loading="lazy"
  allowedOrigins: [],
  // cross origins a src may use, e.g. ["https://fragments.example.com"]
  maxDepth: 5,
  // a fragment with this many <ck-fragment> ancestors is refused
  allowScripts: false,
  // run <script> elements found in fragments
  nonce: ""
  // CSP nonce given to scripts that run
  // createHTML: (html: string) => TrustedHTML | string; replaces the built-in policy when set
};

// js/src/http.js
var delay = (retryAfter, n) => {
  const ms = /^\d+$/.test(retryAfter) ? retryAfter * 1e3 : Date.parse(retryAfter) - Date.now();
  return ms > 3e4 ? 3e4 : ms >= 0 ? ms : ms < 0 ? 0 : 300 * 2 ** (n - 1) * (0.5 + Math.random());
};
var credentialsFor = (src) => {
  const o = new URL(src, document.baseURI).origin;
  return src && (o == location.origin ? "same-origin" : config.allowedOrigins.includes(o) && "include");
};
var problem = (res) => !res.ok ? "HTTP " + res.status : res.redirected ? "redirected" : /^text\/html\s*(;|$)/i.test(res.headers.get("Content-Type")) ? "" : "not text/html";

// js/src/fetch.js
var request = async (url, el, signal, fresh) => {
  const timeout = +el.getAttribute("timeout") || config.timeout;
  const credentials = credentialsFor(url);
  if (!credentials) throw Error("src refused");
  for (let attempt = 1; !signal.aborted; attempt++) {
    const c = new AbortController();
    const t = setTimeout(() => c.abort(Error("timeout")), timeout);
    let res, error, why, status = 0;
    signal.onabort = () => c.abort();
    try {
      res = await el.fetchFragment(url, {
        credentials,
        headers: { Accept: "text/html" },
        signal: c.signal,
        ...fresh && { cache: "no-cache" }
      });
      if (!(why = problem(res))) return await res.text();
      status = res.status;
    } catch (e) {
      error = e;
    } finally {
      clearTimeout(t);
    }
    if (!(error || status > 501 && status < 505) || attempt > config.retries) {
      throw Object.assign(error || Error(why), { status, attempt });
    }
    await new Promise((r) => setTimeout(r, delay(res?.headers.get("Retry-After"), attempt)));
  }
};

// js/src/dedupe.js
var requests = /* @__PURE__ */ new Map();
var shared = (el, src, signal, fresh) => {
  let r = requests.get(src);
  const drop = () => requests.get(src) == r && requests.delete(src);
  if (!r || fresh && r.done_) {
    requests.set(src, r = new AbortController());
    r.waiters_ = 0;
    (r.promise_ = request(src, el, r.signal, fresh)).then(() => r.done_ = 1, drop);
  }
  r.waiters_++;
  signal.onabort = () => --r.waiters_ || r.done_ || (r.abort(), drop());
  return r.promise_;
};

// js/src/swap.js
var policy;
var parsed = new Promise(
  (r) => document.readyState == "loading" ? addEventListener("DOMContentLoaded", r) : r()
);
var swap = (el, html, scripts) => {
  html = config.createHTML ? config.createHTML(html) : self.trustedTypes ? (policy ||= trustedTypes.createPolicy("composekit", { createHTML: (s) => s })).createHTML(html) : html;
  const f = scripts ? document.createRange().createContextualFragment(html) : Object.assign(document.createElement("template"), { innerHTML: html }).content;
  for (const s of f.querySelectorAll("script")) s.nonce = config.nonce;
  el.replaceChildren(f);
};

// js/src/element.js
var CkFragment = class extends HTMLElement {
  #ctrl;
  #io;
  connectedCallback() {
    if (this.getAttribute("state") == "loaded") return;
    if (this.getAttribute("loading") == "lazy") {
      (this.#io = new IntersectionObserver((es) => es.pop().isIntersecting && this.#load(), {
        rootMargin: config.lazyMargin
      })).observe(this);
    } else this.#load();
  }
  disconnectedCallback() {
    this.#io?.disconnect();
    this.#ctrl?.abort();
  }
  // Fetches again, even in inline mode; a settled shared response for the same src is dropped.
  // Resolves once the load has ended, however it ended.
  reload() {
    return this.#load(true);
  }
  // The network call: the one seam to stub in tests or to wrap (e.g. add a header).
  fetchFragment(url, init) {
    return fetch(url, init);
  }
  // Dispatches ck:<type>; with a state, sets it first. Only ck:beforeswap is cancelable.
  #fire(type, state, detail) {
    if (state) {
      this.setAttribute("state", state);
      if (state == "loading") this.setAttribute("aria-busy", "true");
      else this.removeAttribute("aria-busy");
    }
    return this.dispatchEvent(
      new CustomEvent("ck:" + type, { bubbles: true, composed: true, cancelable: type == "beforeswap", detail })
    );
  }
  async #load(fresh) {
    this.disconnectedCallback();
    const { signal } = this.#ctrl = new AbortController();
    const src = this.getAttribute("src");
    this.#fire("loadstart", "loading");
    try {
      for (let p = this, depth = 0; p = p.parentElement?.closest("ck-fragment"); ) {
        if (p.getAttribute("src") == src) throw Error("includes itself");
        if (++depth >= config.maxDepth) throw Error("too deep");
      }
      const detail = { html: await shared(this, src, signal, fresh) };
      await parsed;
      if (signal.aborted) return;
      if (this.#fire("beforeswap", "", detail)) {
        swap(this, detail.html, config.allowScripts || this.hasAttribute("allow-scripts"));
      }
      this.#fire("load", "loaded");
    } catch (error) {
      if (signal.aborted) return;
      this.#fire("error", "error", { status: error.status | 0, attempt: error.attempt | 0, error });
    }
    this.#fire("loadend");
  }
};

// js/src/define.js
var define = () => customElements.get("ck-fragment") || customElements.define("ck-fragment", CkFragment);
var reload = (name) => Promise.all([...document.getElementsByName(name)].map((e) => e instanceof CkFragment && e.reload()));

// js/src/index.js
var version = "0.1.0";
export {
  CkFragment,
  config,
  define,
  reload,
  version
};
