/*! composekit 0.1.0 | BSD-3-Clause */
"use strict";
(() => {
  // js/src/debug/iife.js
  var problems = /* @__PURE__ */ new Map();
  var keyOf = (url) => {
    const { pathname, searchParams } = new URL(url || "", document.baseURI);
    const token = searchParams.get("p");
    return token ? pathname.split("/").filter(Boolean).pop() + ":" + token : "";
  };
  var nativeFetch = self.fetch;
  self.fetch = async (input, init) => {
    const response = await nativeFetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    const key = keyOf(url);
    if (key && !response.ok)
      problems.set(
        key,
        response.clone().json().catch(() => null)
      );
    const asked = new URL(url, document.baseURI).searchParams.getAll("f");
    if (asked.length && response.ok) {
      const answer = response.clone().json().catch(() => []);
      asked.forEach((spec, i) => {
        problems.set(
          spec.replace(/!.*/, ""),
          answer.then((parts) => parts.find((part) => part.i === i)?.problem)
        );
      });
    }
    return response;
  };
  var attr = (el, name) => el.getAttribute(name) ?? el.getAttribute("data-ck-" + name);
  var failed = /* @__PURE__ */ new WeakSet();
  document.addEventListener("ck:error", async (event) => {
    const el = (
      /** @type {Element} */
      event.target
    );
    failed.add(el);
    const { status, error } = (
      /** @type {CustomEvent<{ status: number, error: Error }>} */
      event.detail
    );
    const problem = status ? await problems.get(keyOf(attr(el, "src"))) : null;
    const why = status ? "HTTP " + status : error.message;
    console[status && status < 500 ? "warn" : "error"](
      `composekit: fragment "${attr(el, "name")}" failed: ${why}${problem ? ` ${problem.title}: ${problem.detail}` : ""}`,
      problem || error
    );
  });
  document.addEventListener("DOMContentLoaded", () => {
    for (const el of document.querySelectorAll("[state=error], [data-ck-state=error]")) {
      if (!failed.has(el))
        console.warn(
          `composekit: fragment "${attr(el, "name")}" was not rendered into the page: the server's log says why`
        );
    }
  });
})();
