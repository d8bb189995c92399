export function trigger(name: string, source?: Element | null): void;
export type CkTriggerDetail = {
    /**
     * The fragment whose response named the event, or null.
     */
    source: Element | null;
};
