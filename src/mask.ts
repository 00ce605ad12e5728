// What a secret shows as, wherever armgo would otherwise print or log it (audit/redact.ts, and the
// transport's become password): one place, below every domain that masks.
export const MASK = "********";
