// The attribute form: <tr data-ck-src="...">, <li data-ck-src>, <option data-ck-src>. Where the
// HTML parser moves an unknown element out of the way (inside <table>, <tbody>, <ul>,
// <select>), the placeholder is the element the parser keeps, marked by its data-ck-src.
// A MutationObserver gives each such element what <ck-fragment> gets from customElements.
import { placeholderOf } from './element.js';

const SELECTOR = '[data-ck-src]';

/**
 * Calls fn for node and each element under it that is marked data-ck-src.
 * @param {Node} node
 * @param {(el: HTMLElement) => void} fn
 */
const each = (node, fn) => {
  if (!(node instanceof HTMLElement)) return;
  if (node.matches(SELECTOR)) fn(node);
  for (const el of node.querySelectorAll(SELECTOR)) fn(/** @type {HTMLElement} */ (el));
};

/** @param {HTMLElement} el */
const connect = (el) => {
  if (el.isConnected) placeholderOf(el).connect();
};

/** @param {HTMLElement} el */
const disconnect = (el) => {
  if (!el.isConnected) placeholderOf(el).disconnect();
};

/** Starts on the elements already there and on every one added, moved or given a data-ck-src. */
export const watchAttached = () => {
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.removedNodes) each(node, disconnect);
      for (const node of record.addedNodes) each(node, connect);
      const el = /** @type {HTMLElement} */ (record.target);
      if (record.type !== 'attributes' || !el.isConnected || !el.hasAttribute('data-ck-src')) continue;
      const placeholder = placeholderOf(el);
      if (placeholder.connected) placeholder.srcChanged(record.oldValue, el.getAttribute('data-ck-src'));
      else placeholder.connect();
    }
  }).observe(document, { childList: true, subtree: true, attributeFilter: ['data-ck-src'], attributeOldValue: true });
  each(document.documentElement, connect);
};
