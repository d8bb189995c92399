export function parsed(): Promise<void>;
export function swap(el: Element, html: string, scripts: boolean): void;
export type TrustedHTML = import("./config.js").TrustedHTML;
/**
 * Trusted Types, as far as the loader uses them (no DOM lib declares them yet).
 */
export type Policy = {
    createHTML(html: string): TrustedHTML;
};
/**
 * Trusted Types, as far as the loader uses them (no DOM lib declares them yet).
 */
export type TrustedTypes = {
    createPolicy(name: string, rules: {
        createHTML(html: string): string;
    }): Policy;
};
