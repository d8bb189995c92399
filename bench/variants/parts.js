// The monolithic variants' add to cart, as an htmx-style app does it (bench/variants/urls.py):
// the buy box's form (data-ck-submit) is posted over fetch with "HX-Request: true"; the answer
// holds the parts the add changed, each in its <ck-fragment name=...> box, and each replaces
// the page's box of that name (htmx's out-of-band swap). Then "ck:load" on each (shop.js
// leaves the shown product out of the picks) and "cart:changed" on the form (shop.js says
// what was added), as composekit-live's refresh does.
//
// The demo's CSP lets HTML into the DOM only through a Trusted Types policy named "composekit"
// (the loader's); the monolithic pages have no loader, so the name is free for this script.
(() => {
  "use strict";
  const policy = window.trustedTypes ? window.trustedTypes.createPolicy("composekit", { createHTML: (s) => s }) : null;
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-ck-submit")) return;
    event.preventDefault();
    form.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`${form.action} answered ${response.status}`);
      const answer = document.createElement("template");
      const html = await response.text();
      answer.innerHTML = policy ? policy.createHTML(html) : html;
      for (const part of answer.content.querySelectorAll("ck-fragment[name]")) {
        const name = CSS.escape(part.getAttribute("name"));
        for (const old of document.querySelectorAll(`ck-fragment[name="${name}"]`)) {
          const fresh = part.cloneNode(true);
          old.replaceWith(fresh);
          fresh.dispatchEvent(new CustomEvent("ck:load", { bubbles: true }));
        }
      }
      form.dispatchEvent(new CustomEvent("cart:changed", { bubbles: true, detail: { source: form } }));
    } finally {
      form.removeAttribute("aria-busy");
    }
  });
})();
