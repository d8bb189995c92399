export function identityMarker(): string;
export function generations(): Record<string, string>;
