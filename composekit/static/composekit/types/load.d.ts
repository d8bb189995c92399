export function obtain(src: string | null, el: Requester & {
    hasAttribute(name: string): boolean;
}, signal: AbortSignal, fresh: boolean): Promise<Fetched>;
export type Fetched = import("./fetch.js").Fetched;
export type Requester = import("./fetch.js").Requester;
