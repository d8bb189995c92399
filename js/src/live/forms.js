// Forms submitted through the loader: <form data-ck-submit>. The form is sent with fetch()
// (its fields, its submitter, the CSRF token from Django's cookie when the form holds none),
// and the events its answer names (CK-Trigger) are dispatched on document, so the fragments
// that show what changed refresh themselves: no page JavaScript. A form answered with
// anything but a 2xx (or redirected: the answer's triggers are lost on the way) is then
// submitted the ordinary way, as it would be without JS. The server knows such a submission
// by its `CK-Request: form` header (composekit.submitted_by_loader()). The form names the
// page's private fragments (CK-Fragments): the answer may carry those the write moved, swapped
// in without another request (answer.js).
import { shown, swapAnswer } from './answer.js';
import { cookie, liveConfig } from './config.js';

/**
 * @param {HTMLFormElement} form
 * @param {HTMLElement | null} submitter
 * @param {string} fragments CK-Fragments: what the page shows
 */
const send = async (form, submitter, fragments) => {
  const data = new FormData(form, submitter);
  /** @type {Record<string, string>} */
  const headers = { 'CK-Request': 'form' };
  if (fragments) headers['CK-Fragments'] = fragments;
  const token = cookie(liveConfig.csrfCookie);
  if (token && !data.has('csrfmiddlewaretoken')) headers[liveConfig.csrfHeader] = token;
  const get = form.method === 'get';
  const url = new URL(form.action);
  if (get)
    url.search = new URLSearchParams(/** @type {Record<string, string>} */ (/** @type {unknown} */ (data))).toString();
  const response = await fetch(url, {
    method: get ? 'GET' : 'POST',
    body: get ? undefined : data,
    headers,
    credentials: 'same-origin',
  });
  if (!response.ok || response.redirected) throw Error(`${form.action} answered ${response.status}`);
  return response;
};

/** Submits <form data-ck-submit> through the loader. */
export const submitForms = () => {
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-ck-submit') || event.defaultPrevented) return;
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return; // sent already: no double submission
    const submitter = /** @type {SubmitEvent} */ (event).submitter;
    form.setAttribute('aria-busy', 'true');
    const entries = shown();
    let response;
    try {
      response = await send(form, submitter, [...entries.keys()].join(' '));
    } catch {
      form.removeAttribute('aria-busy');
      form.removeAttribute('data-ck-submit'); // the ordinary way, this time
      form.requestSubmit(submitter);
      return;
    }
    // The write happened: whatever comes now, the form is not sent again.
    const answered = await swapAnswer(response, [...entries.values()]).catch(() => new Set());
    form.removeAttribute('aria-busy');
    for (const name of (response.headers.get('CK-Trigger') || '').split(/[\s,]+/).filter(Boolean)) {
      document.dispatchEvent(new CustomEvent(name, { detail: { source: form, answered } }));
    }
  });
};
