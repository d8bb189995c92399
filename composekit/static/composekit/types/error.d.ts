export function showError(host: HTMLElement, nodes: Node[]): void;
