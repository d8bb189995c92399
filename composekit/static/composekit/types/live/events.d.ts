export function eventsOf(el: Element): string[];
export function schedule(el: Fragment): void;
export function listen(name: string): void;
export function watchEvents(root?: ParentNode): void;
export function within(root: ParentNode, selector: string): Element[];
export function hearOtherTabs(): void;
export type Fragment = HTMLElement & {
    refresh(): Promise<boolean>;
};
