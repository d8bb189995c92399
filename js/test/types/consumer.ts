// What a TypeScript user writes against the published declarations (types/index.d.ts).
// types.test.js type-checks it: every line must compile, and every @ts-expect-error line must
// be an error, so the declarations are neither missing nor too loose.

import type { CkBeforeSwapDetail, CkErrorDetail, CkRenewDetail, ComposekitConfig } from 'composekit';
import { CkFragment, config, define, reload, reset, version } from 'composekit';

config.timeout = 5000;
config.allowedOrigins.push('https://fragments.example.com');
config.createHTML = (html: string) => html;
const copy: ComposekitConfig = { ...config };
define();
const all: Promise<void[]> = reload('cart-summary');
reset();
const v: string = version;

const el = document.querySelector('ck-fragment');
if (el) {
  const done: Promise<void> = el.reload();
  const isElement: CkFragment = el;
  el.addEventListener('ck:error', (event) => {
    const detail: CkErrorDetail = event.detail;
    const status: number = detail.status + detail.attempt;
    console.log(status, detail.error.message, done, isElement);
  });
  el.addEventListener('ck:beforeswap', (event) => {
    const detail: CkBeforeSwapDetail = event.detail;
    detail.html = detail.html.trim();
  });
}
addEventListener('ck:renew', (event) => {
  const detail: CkRenewDetail = event.detail;
  const reason: 'identity' | 'restore' | 'pagehide' | 'reset' = detail.reason;
  console.log(reason, detail.source);
});
window.composekit.reset();
window.composekit.config.maxDepth = 3;
console.log(copy, all, v, window.composekit.version);

// @ts-expect-error: timeout is a number
config.timeout = '5s';
// @ts-expect-error: reload takes a fragment name
reload(42);
// @ts-expect-error: no such reason
const wrong: CkRenewDetail = { reason: 'logout', source: null };
// @ts-expect-error: not part of the public API
window.composekit.renew();
console.log(wrong);
