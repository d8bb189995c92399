// ESM entry for bundlers: nothing is registered until define() is called.
export { config } from './config.js';
export { define, reload, reset, trigger } from './define.js';
export { CkFragment } from './element.js';
export const version = __VERSION__; // package.json's, set by build.js

// The types users name (import type { CkErrorDetail } from 'composekit').
/** @typedef {import('./config.js').ComposekitConfig} ComposekitConfig */
/** @typedef {import('./element.js').CkErrorDetail} CkErrorDetail */
/** @typedef {import('./element.js').CkBeforeSwapDetail} CkBeforeSwapDetail */
/** @typedef {import('./identity.js').CkRenewDetail} CkRenewDetail */
/** @typedef {import('./triggers.js').CkTriggerDetail} CkTriggerDetail */
