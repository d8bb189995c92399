export function poll(el: Fragment): void;
export function watchPolls(root?: ParentNode): void;
export function followVisibility(): void;
export type Fragment = import("./events.js").Fragment;
export type Poll = {
    /**
     * ms, from the attribute
     */
    every: number;
    /**
     * ms until the next poll: `every`, or longer while failing
     */
    wait: number;
    /**
     * when the next poll is due (Date.now() clock)
     */
    due: number;
    timer: number;
    onScreen: boolean;
};
