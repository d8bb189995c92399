// Hearth & Co. demo: forms marked data-reload="name ..." are posted with fetch(), then
// the named fragments are reloaded through the composekit loader, so the page (scroll
// position, anything typed) stays as it was. The CSRF token travels in the form data,
// as in a normal post. Without JS, or when anything goes wrong, the form is submitted
// the ordinary way and the server redirects back.
(() => {
  "use strict";

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

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const names = (form instanceof HTMLFormElement && form.dataset.reload || "").split(/\s+/).filter(Boolean);
    if (!names.length || !window.composekit) return;
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
    try {
      await post(form.action, body);
    } catch (error) {
      console.warn("shop.js: posting the form normally:", error);
      release();
      delete form.dataset.reload; // the next submit takes the no-JS path
      form.requestSubmit(event.submitter);
      return;
    }
    await Promise.all(names.map((name) => window.composekit.reload(name)));
    release(); // usually moot: a reloaded fragment has replaced the form
  });
})();
