// Hearth & Co. demo. Pages are shells, the same for everyone, so what depends on the shopper
// is added in the browser. composekit-live submits the forms marked data-ck-submit (with the
// CSRF token from the cookie) and refreshes the cart's fragments when the server says
// "cart:changed"; this file only does two things a shell cannot:
// - the "next" of login links (the page to come back to), added when one is followed;
// - a form sent the ordinary way (composekit-live fell back to it, or a form it does not
//   handle) gets the CSRF token from the cookie as its field; and a shopper without the
//   cookie is not logged in (logging in gives it), so is sent to log in first.
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
})();
