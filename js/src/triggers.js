// Events that say something changed ("cart:changed"): dispatched on document, where
// `refresh-on` fragments (composekit-live) and the page's own code listen. A server names
// them in a response's CK-Trigger header; the loader dispatches them once that response is
// swapped in. composekit.trigger() dispatches one from JS.

/**
 * @typedef {object} CkTriggerDetail
 * @property {Element | null} source The fragment whose response named the event, or null.
 */

/**
 * Dispatches event `name` on document (not cancelable, does not bubble further).
 * @param {string} name
 * @param {Element | null} [source]
 */
export const trigger = (name, source = null) => {
  /** @type {CkTriggerDetail} */
  const detail = { source };
  document.dispatchEvent(new CustomEvent(name, { detail }));
};
