export function shared(el: Requester, src: string | null, signal: AbortSignal, fresh?: boolean): Promise<import("./fetch.js").Fetched>;
export function clear(): void;
export type Fetched = import("./fetch.js").Fetched;
export type Requester = import("./fetch.js").Requester & {
    hasAttribute(name: string): boolean;
};
