// ESM entry for bundlers: nothing is registered until define() is called.
export { config } from './config.js';
export { define, reload, reset } from './define.js';
export { CkFragment } from './element.js';
export const version = __VERSION__; // package.json's, set by build.js
