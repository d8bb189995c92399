export function renew(reason: CkRenewDetail["reason"], source?: HTMLElement | null): void;
export function checkIdentity(source?: HTMLElement | null): boolean;
export function watchIdentity(): void;
export type CkRenewDetail = {
    /**
     * Why private fragments are renewed: the identity cookie moved, the page came back from or is going into the back/forward cache, or reset().
     */
    reason: "identity" | "restore" | "pagehide" | "reset";
    /**
     * The fragment whose load noticed the change, or null.
     */
    source: HTMLElement | null;
};
