// refresh-every: fragments revalidated with the server at an interval ("30s"). Each poll is a
// conditional request (refresh()): an unchanged fragment costs a 304 and no DOM work. Polls
// pause while the tab is hidden or the fragment is off-screen, and the first poll after
// coming back is at once if one was due. A failing fragment backs off: the wait doubles
// after each failure, up to liveConfig.maxBackoff, and is back to the interval after a success.
import { interval, liveConfig } from './config.js';
import { within } from './events.js';

/** @typedef {import('./events.js').Fragment} Fragment */

/**
 * @typedef {object} Poll
 * @property {number} every ms, from the attribute
 * @property {number} wait ms until the next poll: `every`, or longer while failing
 * @property {number} due when the next poll is due (Date.now() clock)
 * @property {number} timer
 * @property {boolean} onScreen
 */

/** @type {Map<Fragment, Poll>} */
const polls = new Map();

/** @type {IntersectionObserver | undefined} */
let observer;

/** @param {Fragment} el */
const visible = (el) => !document.hidden && /** @type {Poll} */ (polls.get(el)).onScreen;

/**
 * Waits for the next poll of `el`, or until it can happen (visible, on screen).
 * @param {Fragment} el
 * @param {Poll} poll
 */
const plan = (el, poll) => {
  clearTimeout(poll.timer);
  if (!visible(el)) return; // resumed by visibilitychange or the observer
  poll.timer = setTimeout(() => tick(el, poll), Math.max(0, poll.due - Date.now()));
};

/**
 * @param {Fragment} el
 * @param {Poll} poll
 */
const tick = async (el, poll) => {
  if (!el.isConnected) {
    stop(el);
    return;
  }
  if (!visible(el)) return;
  try {
    await el.refresh();
    poll.wait = poll.every;
  } catch {
    poll.wait = Math.min(poll.wait * 2, Math.max(liveConfig.maxBackoff, poll.every));
  }
  poll.due = Date.now() + poll.wait;
  if (polls.get(el) === poll) plan(el, poll);
};

/** @param {Fragment} el */
const stop = (el) => {
  const poll = polls.get(el);
  if (poll) clearTimeout(poll.timer);
  polls.delete(el);
  observer?.unobserve(el);
};

/**
 * Starts polling `el` by its refresh-every attribute (again, if the attribute changed).
 * @param {Fragment} el
 */
export const poll = (el) => {
  const every = interval(el.getAttribute('refresh-every'));
  const current = polls.get(el);
  if (current && current.every === every) return;
  stop(el);
  if (!every) return; // no attribute, or not an interval: nothing to do
  observer ||= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const target = /** @type {Fragment} */ (entry.target);
      const known = polls.get(target);
      if (!known) continue;
      known.onScreen = entry.isIntersecting;
      plan(target, known);
    }
  });
  /** @type {Poll} */
  const created = { every, wait: every, due: Date.now() + every, timer: 0, onScreen: false };
  polls.set(el, created);
  observer.observe(el); // its first report says whether it is on screen, and plans
};

/**
 * Starts polling each fragment in `root` (or `root` itself) that says refresh-every.
 * @param {ParentNode} [root]
 */
export const watchPolls = (root = document) => {
  for (const el of within(root, 'ck-fragment[refresh-every]')) poll(/** @type {Fragment} */ (el));
};

/** Plans every poll again when the tab comes back into view (and stops them when it goes). */
export const followVisibility = () => {
  document.addEventListener('visibilitychange', () => {
    for (const [el, known] of polls) {
      if (document.hidden) clearTimeout(known.timer);
      else plan(el, known);
    }
  });
};
