export function shown(): Map<string, Fragment[]>;
export function swapAnswer(response: Response, hosts: Fragment[][]): Promise<Set<Element>>;
export type Fragment = HTMLElement & {
    refresh(): Promise<boolean>;
    fetchFragment(url: string, init: RequestInit): Promise<Response>;
};
/**
 * One part of the answer (see batch.js's Answer).
 */
export type Part = {
    i: number;
    status: number;
    html?: string;
    cache?: string | null;
    etag?: string | null;
    scopes?: string[] | null;
    trigger?: string | null;
};
