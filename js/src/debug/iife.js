// composekit-debug: {% composekit_script %} adds it after the loader under Django's DEBUG.
// Each fragment that fails is logged to the console: its name, its status (or why there was
// none: a timeout, a refused src) and the problem document's title and detail, with the
// document itself (a 500's carries the traceback). A fragment the server failed to render
// inline is named too. The core loader carries none of this: pages in production pay nothing.
//
// The loader's requests go through fetch(): wrapped here, each failed answer's problem document
// is kept by the fragment's name:token, a batch's parts' as well, for the ck:error that follows.

export {}; // a module: its names are its own

/** @type {Map<string, Promise<any>>} */
const problems = new Map();

/**
 * The name:token of a fragment URL (<prefix>/<name>/?p=<token>), '' for any other URL.
 * @param {string | null} url
 */
const keyOf = (url) => {
  const { pathname, searchParams } = new URL(url || '', document.baseURI);
  const token = searchParams.get('p');
  return token ? pathname.split('/').filter(Boolean).pop() + ':' + token : '';
};

const nativeFetch = self.fetch;
self.fetch = async (input, init) => {
  const response = await nativeFetch(input, init);
  const url = input instanceof Request ? input.url : String(input);
  const key = keyOf(url);
  if (key && !response.ok)
    problems.set(
      key,
      response
        .clone()
        .json()
        .catch(() => null),
    );
  const asked = new URL(url, document.baseURI).searchParams.getAll('f'); // a batch: name:token[!etag]
  if (asked.length && response.ok) {
    const answer = response
      .clone()
      .json()
      .catch(() => []);
    asked.forEach((spec, i) => {
      problems.set(
        spec.replace(/!.*/, ''),
        answer.then((/** @type {any[]} */ parts) => parts.find((part) => part.i === i)?.problem),
      );
    });
  }
  return response;
};

/**
 * An element's attribute in either form: <ck-fragment name> or <tr data-ck-name>.
 * @param {Element} el
 * @param {string} name
 */
const attr = (el, name) => el.getAttribute(name) ?? el.getAttribute('data-ck-' + name);

/** @type {WeakSet<Element>} elements the loader failed to load (logged as that) */
const failed = new WeakSet();

document.addEventListener('ck:error', async (event) => {
  const el = /** @type {Element} */ (event.target);
  failed.add(el);
  const { status, error } = /** @type {CustomEvent<{ status: number, error: Error }>} */ (event).detail;
  const problem = status ? await problems.get(keyOf(attr(el, 'src'))) : null;
  const why = status ? 'HTTP ' + status : error.message;
  console[status && status < 500 ? 'warn' : 'error'](
    `composekit: fragment "${attr(el, 'name')}" failed: ${why}${problem ? ` ${problem.title}: ${problem.detail}` : ''}`,
    problem || error,
  );
});

document.addEventListener('DOMContentLoaded', () => {
  for (const el of document.querySelectorAll('[state=error], [data-ck-state=error]')) {
    if (!failed.has(el))
      console.warn(
        `composekit: fragment "${attr(el, 'name')}" was not rendered into the page: the server's log says why`,
      );
  }
});
