/**
 * @typedef {object} LiveConfig
 * @property {number} coalesce ms: events for one fragment within this window cause one refresh. Default 100.
 * @property {string[]} tabs Events that also refresh the same fragments in the user's other tabs. Default [].
 * @property {number} maxBackoff ms: the longest wait between polls of a failing fragment. Default 300000.
 * @property {string} csrfCookie Django's CSRF cookie (CSRF_COOKIE_NAME), sent with forms that have no token. Default "csrftoken".
 * @property {string} csrfHeader The header Django reads it from (CSRF_HEADER_NAME). Default "X-CSRFToken".
 */
/** @type {LiveConfig} */
export const liveConfig: LiveConfig;
export function cookie(name: string): string;
export function interval(text: string | null): number;
export type LiveConfig = {
    /**
     * ms: events for one fragment within this window cause one refresh. Default 100.
     */
    coalesce: number;
    /**
     * Events that also refresh the same fragments in the user's other tabs. Default [].
     */
    tabs: string[];
    /**
     * ms: the longest wait between polls of a failing fragment. Default 300000.
     */
    maxBackoff: number;
    /**
     * Django's CSRF cookie (CSRF_COOKIE_NAME), sent with forms that have no token. Default "csrftoken".
     */
    csrfCookie: string;
    /**
     * The header Django reads it from (CSRF_HEADER_NAME). Default "X-CSRFToken".
     */
    csrfHeader: string;
};
