export function snapshot(): Snapshot;
export function kept(src: string): Entry | null;
export function keep(src: string, { html, etag, maxAge, scopes }: Keepable, under: Snapshot): void;
export function keepOnlyFor(identity: string): void;
export function forgetKept(): void;
/**
 * What the server said about a private response, for keeping it.
 */
export type Keepable = {
    html: string;
    etag: string | null;
    /**
     * Seconds it may be reused without asking (0: revalidate each time).
     */
    maxAge: number;
    /**
     * What the user's writes must leave alone for it to stay valid; null: any write.
     */
    scopes: string[] | null;
};
export type Entry = {
    html: string;
    etag: string | null;
    /**
     * Client time (ms) after which it is revalidated before use.
     */
    expires: number;
    identity: string;
    /**
     * Generation token of each scope it depends on, when fetched.
     */
    depends: Record<string, string>;
};
/**
 * Who and which generations a request is made under: taken when it starts, so a write that
 * lands while it is in flight leaves its answer stale, not wrongly fresh.
 */
export type Snapshot = {
    identity: string;
    generations: Record<string, string>;
};
