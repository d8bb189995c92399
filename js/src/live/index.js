// composekit-live for bundlers: nothing happens until start() is called (after the core's define()).
import { liveConfig } from './config.js';
import { hearOtherTabs, watchEvents } from './events.js';
import { submitForms } from './forms.js';
import { followVisibility, watchPolls } from './poll.js';

export { liveConfig };

let started = false;

/** Starts following events, polls and forms (idempotent). */
export const start = () => {
  if (started) return;
  started = true;
  watchEvents();
  watchPolls();
  // Fragments that arrive later (parsed, nested, swapped in) say what they follow when they load.
  document.addEventListener('ck:load', (event) => {
    const el = /** @type {Element} */ (event.target);
    watchEvents(el);
    watchPolls(el);
  });
  document.addEventListener('DOMContentLoaded', () => {
    watchEvents();
    watchPolls();
  });
  hearOtherTabs();
  followVisibility();
  submitForms();
};
