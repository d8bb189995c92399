// The one place HTML enters the document.
import { config } from './config.js';

let policy;

// The loader runs in <head>, so requests start while the page is parsed. A response can arrive
// while the parser is still inside the element; swapping then would leave parser-appended
// fallback after the new content, so swaps wait for this.
export const parsed = new Promise((r) =>
  document.readyState == 'loading' ? addEventListener('DOMContentLoaded', r) : r(),
);

// Replaces el's children with html. The string becomes TrustedHTML first: through
// config.createHTML when set (your policy or sanitizer), else under Trusted Types through the
// "composekit" policy, created on first use. A <template> parses inertly, so its scripts never
// run; createContextualFragment leaves scripts runnable: they run when inserted (external ones
// in order), carrying the loader's CSP nonce.
export const swap = (el, html, scripts) => {
  html = config.createHTML
    ? config.createHTML(html)
    : self.trustedTypes
      ? (policy ||= trustedTypes.createPolicy('composekit', { createHTML: (s) => s })).createHTML(html)
      : html;
  const f = scripts
    ? document.createRange().createContextualFragment(html)
    : Object.assign(document.createElement('template'), { innerHTML: html }).content;
  for (const s of f.querySelectorAll('script')) s.nonce = config.nonce;
  el.replaceChildren(f);
};
