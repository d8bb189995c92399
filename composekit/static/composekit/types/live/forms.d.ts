export function submitForms(): void;
