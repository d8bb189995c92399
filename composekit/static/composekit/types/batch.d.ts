/**
 * Lazy elements not started yet: each function starts its element's load if it is already
 * near the viewport. A batch about to go calls them first, so a lazy fragment in view on the
 * first view comes in the page's batch rather than in a request of its own a frame later.
 * @type {Set<() => void>}
 */
export const lazyWaiting: Set<() => void>;
export function batchKey(src: string | null): string;
export function batched(key: string, src: string, el: Requester, signal: AbortSignal, etag: string | null, deadline: number): Promise<Fetched>;
export type Fetched = import("./fetch.js").Fetched;
export type Requester = import("./fetch.js").Requester;
/**
 * One fragment load waiting in, or answered by, a batch.
 */
export type Part = {
    /**
     * name:token, as the batch endpoint takes it
     */
    key: string;
    src: string;
    el: Requester;
    /**
     * aborted when nobody waits for this part any more
     */
    signal: AbortSignal;
    /**
     * of the HTML kept for it: a 304 may answer
     */
    etag: string | null;
    /**
     * when its load must have ended (load.js), a request of its own included
     */
    deadline: number;
    resolve: (value: Fetched) => void;
    reject: (reason: unknown) => void;
    settled: boolean;
};
/**
 * One part of the batch response.
 */
export type Answer = {
    /**
     * the part's index in the request
     */
    i: number;
    status: number;
    html?: string | undefined;
    /**
     * its Cache-Control
     */
    cache?: string | null | undefined;
    etag?: string | null | undefined;
    scopes?: string[] | null | undefined;
    /**
     * its CK-Trigger
     */
    trigger?: string | null | undefined;
};
