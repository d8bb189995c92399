export function watchAttached(): void;
