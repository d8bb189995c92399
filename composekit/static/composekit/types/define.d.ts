export { trigger } from "./triggers.js";
export function define(): void;
export function reload(name: string): Promise<void[]>;
export function reset(): void;
