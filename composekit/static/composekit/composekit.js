/*! composekit 0.1.0 | BSD-3-Clause */
(() => {
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
    nonce: "",
    // CSP nonce given to scripts that run
    identityCookie: "ck_identity"
    // cookie the server moves on login and logout (identity.js)
    // createHTML: (html: string) => TrustedHTML | string; replaces the built-in policy when set
  };
  var configure = (d) => {
    for (const k in config) {
      const t = config[k];
      const v = d[k];
      if (k in d) config[k] = t === +t ? /^\d+$/.test(v) ? +v : t : t === !!t ? v != "false" : t.map ? v.match(/\S+/g) || [] : v;
    }
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
        if (!(why = problem(res))) {
          return { html: await res.text(), isPublic: /\bpublic\b/i.test(res.headers.get("Cache-Control")) };
        }
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
  var clear = () => requests.clear();

  // js/src/identity.js
  var KEY = "composekit:identity";
  var current = "";
  var away = false;
  var marker = () => {
    const prefix = config.identityCookie + "=";
    const cookie = document.cookie.split("; ").find((c) => c.startsWith(prefix));
    return cookie ? cookie.slice(prefix.length) : "";
  };
  var tellOtherTabs = (value) => {
    try {
      if (localStorage.getItem(KEY) !== value) localStorage.setItem(KEY, value);
    } catch {
    }
  };
  var announce = (reason, source = null) => dispatchEvent(new CustomEvent("ck:renew", { detail: { reason, source } }));
  var renew = (reason, source) => {
    current = marker();
    tellOtherTabs(current);
    clear();
    announce(reason, source);
  };
  var checkIdentity = (source) => !away && marker() !== current && (renew("identity", source), true);
  var watchIdentity = () => {
    current = marker();
    tellOtherTabs(current);
    addEventListener("storage", (event) => event.key === KEY && checkIdentity());
    document.addEventListener("visibilitychange", () => document.hidden || checkIdentity());
    addEventListener("pagehide", (event) => (away = event.persisted) && announce("pagehide"));
    addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      away = false;
      renew("restore");
    });
  };

  // js/src/swap.js
  var policy;
  var parsed = new Promise(
    (r) => document.readyState == "loading" ? addEventListener("DOMContentLoaded", r) : r()
  );
  var swap = (el, html, scripts) => {
    html = config.createHTML ? config.createHTML(html) : self.trustedTypes ? (policy ||= trustedTypes.createPolicy("composekit", { createHTML: (s2) => s2 })).createHTML(html) : html;
    const f = scripts ? document.createRange().createContextualFragment(html) : Object.assign(document.createElement("template"), { innerHTML: html }).content;
    for (const s2 of f.querySelectorAll("script")) s2.nonce = config.nonce;
    el.replaceChildren(f);
  };

  // js/src/element.js
  var CkFragment = class extends HTMLElement {
    #ctrl;
    #io;
    // The children the shell gave it (its fallback), kept at the first swap: shown again
    // whenever per-user content must go before the new content is in.
    #fallback;
    // Whether the content came from a public response (the same for everyone). Content
    // rendered by the server (inline mode) is treated as private.
    #public = false;
    // Identity changed, page restored or going into the back/forward cache, or reset()
    // (identity.js): private content goes, and the element loads again unless the page is
    // being frozen. `source` started a fresh load of its own already.
    #onRenew = ({ detail }) => {
      if (this.isConnected && this.#private() && detail.source !== this) {
        this.#forget();
        if (detail.reason != "pagehide") this.#load(true);
      }
    };
    connectedCallback() {
      addEventListener("ck:renew", this.#onRenew);
      if (this.getAttribute("state") == "loaded") return;
      if (this.getAttribute("loading") == "lazy") {
        (this.#io = new IntersectionObserver((es) => es.pop().isIntersecting && this.#load(), {
          rootMargin: config.lazyMargin
        })).observe(this);
      } else this.#load();
    }
    disconnectedCallback() {
      removeEventListener("ck:renew", this.#onRenew);
      this.#cancel();
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
    // Whether it has (or is getting) content that may be someone's own.
    #private() {
      return this.hasAttribute("state") && !this.#public;
    }
    #cancel() {
      this.#io?.disconnect();
      this.#ctrl?.abort();
    }
    #forget() {
      this.#cancel();
      this.replaceChildren(...(this.#fallback || []).map((node) => node.cloneNode(true)));
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
      checkIdentity(this);
      this.#cancel();
      const { signal } = this.#ctrl = new AbortController();
      const src = this.getAttribute("src");
      this.#fire("loadstart", "loading");
      try {
        for (let p = this, depth = 0; p = p.parentElement?.closest("ck-fragment"); ) {
          if (p.getAttribute("src") == src) throw Error("includes itself");
          if (++depth >= config.maxDepth) throw Error("too deep");
        }
        const { html, isPublic } = await shared(this, src, signal, fresh);
        const detail = { html };
        await parsed;
        if (signal.aborted) return;
        if (this.#fire("beforeswap", "", detail)) {
          this.#fallback ??= [...this.childNodes];
          swap(this, detail.html, config.allowScripts || this.hasAttribute("allow-scripts"));
        }
        this.#public = isPublic;
        this.#fire("load", "loaded");
      } catch (error) {
        if (signal.aborted) return;
        this.#fire("error", "error", { status: error.status | 0, attempt: error.attempt | 0, error });
      }
      this.#fire("loadend");
    }
  };

  // js/src/define.js
  var define = () => {
    if (customElements.get("ck-fragment")) return;
    watchIdentity();
    customElements.define("ck-fragment", CkFragment);
  };
  var reload = (name) => Promise.all([...document.getElementsByName(name)].map((e) => e instanceof CkFragment && e.reload()));
  var reset = () => renew("reset");

  // js/src/iife.js
  var s = document.currentScript;
  if (s) {
    configure(s.dataset);
    config.nonce = s.nonce;
  }
  self.composekit = { config, reload, reset, version: "0.1.0" };
  define();
})();
