// The bench's clock: when the run started, and the elapsed-time prefix of its progress lines.
export const startedAt = Date.now();

export const elapsed = (): string => `[${Math.round((Date.now() - startedAt) / 1000)}s]`;
