// The global names the loader adds: the drop-in script's window.composekit, the element's tag
// and the events it fires. Every type comes from the source; tsc checks iife.js against
// Window["composekit"], so the two cannot drift apart.
import type { ComposekitConfig } from './config.js';
import type { reload, reset, trigger } from './define.js';
import type { CkBeforeSwapDetail, CkErrorDetail, CkFragment } from './element.js';
import type { CkRenewDetail } from './identity.js';
import type { LiveConfig } from './live/config.js';

declare global {
  interface Window {
    composekit: {
      config: ComposekitConfig;
      reload: typeof reload;
      reset: typeof reset;
      trigger: typeof trigger;
      version: string;
      /** Set by composekit-live's drop-in script. */
      live?: { config: LiveConfig };
    };
  }
  interface HTMLElementTagNameMap {
    'ck-fragment': CkFragment;
  }
  interface HTMLElementEventMap {
    'ck:loadstart': CustomEvent<null>;
    'ck:beforeswap': CustomEvent<CkBeforeSwapDetail>;
    'ck:load': CustomEvent<null>;
    'ck:error': CustomEvent<CkErrorDetail>;
    'ck:loadend': CustomEvent<null>;
  }
  interface WindowEventMap {
    'ck:renew': CustomEvent<CkRenewDetail>;
  }
}
