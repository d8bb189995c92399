// Hearth & Co. demo. Pages are shells, the same for everyone, so two things that depend on
// the shopper are added here, in the browser:
// - a form's CSRF token, taken from the shopper's csrftoken cookie when the form is sent
//   (Django's documented pattern for pages that cannot carry a token);
// - the "next" of login links: the page to come back to.
// Forms marked data-reload="name ..." are posted with fetch(), then the named fragments are
// reloaded through the composekit loader, so the page (scroll position, anything typed) stays
// as it was. Without JS, or when anything goes wrong, the form is submitted the ordinary way
// and the server redirects back.
(() => {
  "use strict";

  const csrfToken = () => {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? cookie.slice("csrftoken=".length) : "";
  };

  const loginUrl = () => `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;

  // The token as the form's own field, so a normal submission carries it too.
  const giveToken = (form, token) => {
    let field = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!field) {
      field = Object.assign(document.createElement("input"), { type: "hidden", name: "csrfmiddlewaretoken" });
      form.append(field);
    }
    field.value = token;
  };

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("application/json")) {
      throw new Error(`${url} answered ${response.status} ${type}`);
    }
    return response.json();
  }

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("a.login-link");
    if (link) link.href = loginUrl();
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post") return;
    const token = csrfToken();
    if (!token) {
      // Logging in gives every shopper the cookie: without it, nobody is logged in here.
      event.preventDefault();
      location.assign(loginUrl());
      return;
    }
    giveToken(form, token);
    const names = (form.dataset.reload || "").split(/\s+/).filter(Boolean);
    if (!names.length || !window.composekit) return; // an ordinary submission, with the token
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    // FormData reads the submitter's name and value, so collect it before disabling anything.
    const body = new FormData(form, event.submitter);
    const buttons = [...form.querySelectorAll("button:enabled")];
    const release = () => {
      form.removeAttribute("aria-busy");
      for (const button of buttons) button.disabled = false;
    };
    form.setAttribute("aria-busy", "true");
    for (const button of buttons) button.disabled = true;
    let answer;
    try {
      answer = await post(form.action, body);
    } catch (error) {
      console.warn("shop.js: posting the form normally:", error);
      release();
      delete form.dataset.reload; // the next submit takes the no-JS path
      form.requestSubmit(event.submitter);
      return;
    }
    // What the add did, the per-line limit included, where the buy box says it.
    const status = form.parentElement && form.parentElement.querySelector("[data-add-status]");
    if (status && answer.message) status.textContent = answer.message;
    await Promise.all(names.map((name) => window.composekit.reload(name)));
    release(); // usually moot: a reloaded fragment has replaced the form
  });
})();
