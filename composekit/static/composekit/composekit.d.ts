// Type declarations for composekit's loader (composekit.esm.js and window.composekit).

export interface ComposekitConfig {
  /** Per-attempt timeout in ms; an element's `timeout` attribute overrides it. Default 10000. */
  timeout: number;
  /** Extra attempts after a network error, a timeout or a 502/503/504. Default 2. */
  retries: number;
  /** IntersectionObserver rootMargin for `loading="lazy"`. Default "200px". */
  lazyMargin: string;
  /** Origins (scheme://host[:port], no path) a src may use besides the page's own. Default []. */
  allowedOrigins: string[];
  /** A fragment with this many `<ck-fragment>` ancestors is refused. Default 5. */
  maxDepth: number;
  /** Run `<script>` elements in fragments (per element: the `allow-scripts` attribute). Default false. */
  allowScripts: boolean;
  /** CSP nonce given to fragment scripts that run. Default: the loader script's nonce. */
  nonce: string;
  /** Name of the cookie the server moves on every login and logout. Default "ck_identity". */
  identityCookie: string;
  /** Turns fragment HTML into TrustedHTML (or a sanitized string); replaces the built-in "composekit" policy. Unset by default. */
  createHTML?: (html: string) => TrustedHTML | string;
}

/** Minimal Trusted Types shape, so the declarations need no DOM lib beyond the standard one. */
type TrustedHTML = { readonly __brand?: 'TrustedHTML' } & object;

export interface CkErrorDetail {
  /** HTTP status of the last response, 0 when there was none (network error, timeout, refused). */
  status: number;
  /** Requests made: 0 when refused before fetching, up to 1 + retries. */
  attempt: number;
  error: Error;
}

export interface CkRenewDetail {
  /** Why private fragments are renewed: the identity cookie moved, the page came back from or is going into the back/forward cache, or reset(). */
  reason: 'identity' | 'restore' | 'pagehide' | 'reset';
  /** The fragment whose load noticed the change, or null. */
  source: CkFragment | null;
}

export interface CkBeforeSwapDetail {
  /** The fragment HTML; listeners may replace it. */
  html: string;
}

export declare class CkFragment extends HTMLElement {
  /** Fetches again (also in inline mode); resolves when that load has ended, however it ended. */
  reload(): Promise<void>;
  /** The network call; override (on the prototype or an instance) to stub or wrap it. */
  fetchFragment(url: string, init: RequestInit): Promise<Response>;
}

export declare const config: ComposekitConfig;
/** Registers `<ck-fragment>` (idempotent). */
export declare function define(): void;
/** Reloads every `<ck-fragment>` with this `name`; resolves when all have ended. */
export declare function reload(name: string): Promise<unknown[]>;
/** Drops every shared response and reloads every private fragment, showing its fallback meanwhile. */
export declare function reset(): void;
export declare const version: string;

declare global {
  interface Window {
    composekit: {
      config: ComposekitConfig;
      reload: typeof reload;
      reset: typeof reset;
      version: string;
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
