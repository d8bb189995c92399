/**
 * Resolves once the document is parsed. The loader runs in <head>, so requests start while
 * the page is parsed; a response can arrive while the parser is still inside the element,
 * and swapping then would leave parser-appended fallback after the new content. So swaps
 * wait for this.
 * @type {Promise<void>}
 */
export const parsed: Promise<void>;
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
