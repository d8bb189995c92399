/**
 * Trusted Types' TrustedHTML, as far as the loader needs it (no DOM lib declares it yet).
 * @typedef {{ readonly __brand?: 'TrustedHTML' } & object} TrustedHTML
 */
/**
 * @typedef {object} ComposekitConfig
 * @property {number} timeout Deadline of a fragment load in ms, shared by its retries and a batch's fallback; an element's `timeout` attribute overrides it. Default 10000.
 * @property {number} retries Extra attempts after a network error or a 502/503/504, within the deadline. Default 2.
 * @property {string} lazyMargin IntersectionObserver rootMargin for `loading="lazy"`. Default "200px".
 * @property {string[]} allowedOrigins Origins (scheme://host[:port], no path) a src may use besides the page's own. Default [].
 * @property {number} maxDepth A fragment with this many `<ck-fragment>` ancestors is refused. Default 5.
 * @property {boolean} allowScripts Run `<script>` elements in fragments (per element: the `allow-scripts` attribute). Default false.
 * @property {string} nonce CSP nonce given to fragment scripts that run. Default: the loader script's nonce.
 * @property {string} identityCookie Name of the cookie the server moves on every login and logout. Default "ck_identity".
 * @property {string} generationCookie Name of the cookie the server moves on the user's writes. Default "ck_gen".
 * @property {string} batchUrl The batch endpoint; '' turns batching off. The drop-in script takes it from {% composekit_script %}.
 * @property {(html: string) => TrustedHTML | string} [createHTML] Turns fragment HTML into TrustedHTML (or a sanitized string); replaces the built-in "composekit" policy. Unset by default.
 */
/** @type {ComposekitConfig} */
export const config: ComposekitConfig;
export function configure(dataset: Record<string, string | undefined>): void;
/**
 * Trusted Types' TrustedHTML, as far as the loader needs it (no DOM lib declares it yet).
 */
export type TrustedHTML = {
    readonly __brand?: "TrustedHTML";
} & object;
export type ComposekitConfig = {
    /**
     * Deadline of a fragment load in ms, shared by its retries and a batch's fallback; an element's `timeout` attribute overrides it. Default 10000.
     */
    timeout: number;
    /**
     * Extra attempts after a network error or a 502/503/504, within the deadline. Default 2.
     */
    retries: number;
    /**
     * IntersectionObserver rootMargin for `loading="lazy"`. Default "200px".
     */
    lazyMargin: string;
    /**
     * Origins (scheme://host[:port], no path) a src may use besides the page's own. Default [].
     */
    allowedOrigins: string[];
    /**
     * A fragment with this many `<ck-fragment>` ancestors is refused. Default 5.
     */
    maxDepth: number;
    /**
     * Run `<script>` elements in fragments (per element: the `allow-scripts` attribute). Default false.
     */
    allowScripts: boolean;
    /**
     * CSP nonce given to fragment scripts that run. Default: the loader script's nonce.
     */
    nonce: string;
    /**
     * Name of the cookie the server moves on every login and logout. Default "ck_identity".
     */
    identityCookie: string;
    /**
     * Name of the cookie the server moves on the user's writes. Default "ck_gen".
     */
    generationCookie: string;
    /**
     * The batch endpoint; '' turns batching off. The drop-in script takes it from {% composekit_script %}.
     */
    batchUrl: string;
    /**
     * Turns fragment HTML into TrustedHTML (or a sanitized string); replaces the built-in "composekit" policy. Unset by default.
     */
    createHTML?: ((html: string) => TrustedHTML | string) | undefined;
};
