export function request(url: string | null, el: Requester, signal: AbortSignal, fresh?: boolean): Promise<Fetched>;
export type Fetched = {
    /**
     * The response text.
     */
    html: string;
    /**
     * Whether its Cache-Control says public: the same for everyone.
     */
    isPublic: boolean;
};
/**
 * The element a request is made for: its `timeout` attribute and its network call.
 */
export type Requester = {
    getAttribute: (name: string) => string | null;
    fetchFragment: (url: string, init: RequestInit) => Promise<Response>;
};
