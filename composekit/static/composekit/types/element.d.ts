/**
 * @typedef {object} CkErrorDetail
 * @property {number} status HTTP status of the last response, 0 when there was none (network error, timeout, refused).
 * @property {number} attempt Requests made: 0 when refused before fetching, up to 1 + retries.
 * @property {Error} error
 */
/**
 * @typedef {object} CkBeforeSwapDetail
 * @property {string} html The fragment HTML; listeners may replace it.
 */
/** @typedef {import('./identity.js').CkRenewDetail} CkRenewDetail */
/** @typedef {import('./fetch.js').Fetched} Fetched */
/** What makes an element a placeholder, in either form. */
export const PLACEHOLDER: "ck-fragment, [data-ck-src]";
export function placeholderOf(host: HTMLElement): Placeholder;
export class Placeholder {
    /** @param {HTMLElement} host */
    constructor(host: HTMLElement);
    /** @type {HTMLElement} */
    host: HTMLElement;
    connected: boolean;
    /** @param {string} name */
    getAttribute(name: string): string | null;
    /** @param {string} name */
    hasAttribute(name: string): boolean;
    /**
     * The network call: the host's fetchFragment when it has one (<ck-fragment> does).
     * @param {string} url
     * @param {RequestInit} init
     * @returns {Promise<Response>}
     */
    fetchFragment(url: string, init: RequestInit): Promise<Response>;
    connect(): void;
    disconnect(): void;
    /**
     * A new src is loaded at once; a lazy element that has not started waits as before.
     * @param {string | null} oldValue
     * @param {string | null} newValue
     */
    srcChanged(oldValue: string | null, newValue: string | null): void;
    /**
     * Asks the server whether the content changed (revalidating what the browser or the loader
     * keeps) and swaps only if it did: unchanged, there is no DOM work at all, not even a
     * state change or an event. Changed: ck:beforeswap, ck:load and ck:loadend, no
     * ck:loadstart (the old content stays until the new one is in). Does nothing while a load
     * is in flight (it answers already) or before the first one. Resolves to whether the
     * content changed; rejects, leaving the content, when the request fails.
     * @returns {Promise<boolean>}
     */
    refresh(): Promise<boolean>;
    /** @param {boolean} [fresh] revalidate with the server (a reload) */
    load(fresh?: boolean): Promise<void>;
    #private;
}
export class CkFragment extends HTMLElement {
    static observedAttributes: string[];
    connectedCallback(): void;
    disconnectedCallback(): void;
    /**
     * Initial attributes (before the element is in the document) start nothing here.
     * @param {string} _name
     * @param {string | null} oldValue
     * @param {string | null} newValue
     */
    attributeChangedCallback(_name: string, oldValue: string | null, newValue: string | null): void;
    /**
     * Fetches again, even in inline mode; a settled shared response for the same src is
     * dropped. Resolves once the load has ended, however it ended.
     * @returns {Promise<void>}
     */
    reload(): Promise<void>;
    /**
     * Revalidates with the server and swaps only if the content changed (see Placeholder.refresh).
     * @returns {Promise<boolean>}
     */
    refresh(): Promise<boolean>;
    /**
     * The network call: the one seam to stub in tests or to wrap (e.g. add a header).
     * @param {string} url
     * @param {RequestInit} init
     * @returns {Promise<Response>}
     */
    fetchFragment(url: string, init: RequestInit): Promise<Response>;
    #private;
}
export type CkErrorDetail = {
    /**
     * HTTP status of the last response, 0 when there was none (network error, timeout, refused).
     */
    status: number;
    /**
     * Requests made: 0 when refused before fetching, up to 1 + retries.
     */
    attempt: number;
    error: Error;
};
export type CkBeforeSwapDetail = {
    /**
     * The fragment HTML; listeners may replace it.
     */
    html: string;
};
export type CkRenewDetail = import("./identity.js").CkRenewDetail;
export type Fetched = import("./fetch.js").Fetched;
