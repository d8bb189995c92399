export function delay(retryAfter: string | null | undefined, n: number): number;
export function credentialsFor(src: string | null): RequestCredentials | null;
export function problem(response: Response): string;
