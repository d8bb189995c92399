// Hearth & Co. demo. Pages are shells, the same for everyone, so what depends on the shopper
// is added in the browser. composekit-live submits the forms marked data-ck-submit (with the
// CSRF token from the cookie) and refreshes the cart's fragments when the server says
// "cart:changed"; this file only does three things a shell cannot:
// - the "next" of login links (the page to come back to), added when one is followed;
// - a form sent the ordinary way (composekit-live fell back to it, or a form it does not
//   handle) gets the CSRF token from the cookie as its field; and a shopper without the
//   cookie is not logged in (logging in gives it), so is sent to log in first;
// - the buy box says what an add did: how many were added when the server says
//   "cart:changed" for it, or that the per-line limit held the add back ("cart:capped");
// - "Picked for you" is one fragment for every page (one URL, which the browser keeps), so on
//   a product page the product shown gives its place to the spare pick the fragment brings.
(() => {
  "use strict";

  const csrfToken = () => {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? cookie.slice("csrftoken=".length) : "";
  };

  const loginUrl = () => `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("a.login-link");
    if (link) link.href = loginUrl();
  });

  // Capture: before composekit-live's own listener, so a logged-out shopper goes to log in.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || form.method !== "post") return;
      const token = csrfToken();
      if (!token) {
        event.preventDefault();
        event.stopImmediatePropagation();
        location.assign(loginUrl());
        return;
      }
      let field = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (!field) {
        field = Object.assign(document.createElement("input"), { type: "hidden", name: "csrfmiddlewaretoken" });
        form.append(field);
      }
      field.value = token;
    },
    true,
  );

  // The buy box's status line, for an event its own form's answer triggered (not another tab's).
  const addStatus = (event) => {
    const form = event.detail && event.detail.source;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("add-form")) return null;
    return form.parentElement.querySelector("[data-add-status]");
  };
  document.addEventListener("cart:changed", (event) => {
    const status = addStatus(event);
    const name = document.querySelector("h1");
    if (status) status.textContent = `Added ${event.detail.source.elements.quantity.value} × ${name.textContent} to your cart.`;
  });
  // Dispatched after "cart:changed" by the same answer, so it has the last word.
  document.addEventListener("cart:capped", (event) => {
    const status = addStatus(event);
    if (status) status.textContent = "Nothing more added: your cart holds the most of this you can order.";
  });

  const leaveOutShownProduct = () => {
    const shown = document.querySelector("article.product[data-sku]");
    if (!shown) return;
    const selector = `.recommendations .card[data-sku="${CSS.escape(shown.dataset.sku)}"]`;
    for (const card of document.querySelectorAll(selector)) {
      const spare = card.parentElement.querySelector(".card[hidden]");
      card.remove();
      if (spare) spare.hidden = false;
    }
  };
  leaveOutShownProduct(); // picks rendered in the page (inline mode)
  document.addEventListener("ck:load", leaveOutShownProduct);
})();
