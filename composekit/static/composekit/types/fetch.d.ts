export function names(list: string): string[];
export function fetched(status: number, html: string, cacheControl: string | null, etag: string | null, scopes: string | null, triggers?: string | null): Fetched;
export function failure(error: unknown, status: number, attempt: number): Error & {
    status: number;
    attempt: number;
};
export function request(url: string | null, el: Requester, signal: AbortSignal, fresh: boolean, deadline: number, etag?: string | null): Promise<Fetched>;
export type Fetched = {
    /**
     * The response text ('' for a 304: the caller has the HTML).
     */
    html: string;
    /**
     * Whether its Cache-Control says public: the same for everyone.
     */
    isPublic: boolean;
    /**
     * A 304: the HTML kept for it is still current.
     */
    notModified: boolean;
    etag: string | null;
    /**
     * Seconds a private response may be reused without asking; 0 for a public or no-store one.
     */
    maxAge: number;
    /**
     * Its CK-Scopes: what writes must leave alone for it to stay valid; null: any write.
     */
    scopes: string[] | null;
    /**
     * Its CK-Trigger: events to dispatch once it is swapped in.
     */
    triggers: string[];
};
/**
 * The element a request is made for: its network call.
 */
export type Requester = {
    getAttribute: (name: string) => string | null;
    fetchFragment: (url: string, init: RequestInit) => Promise<Response>;
};
