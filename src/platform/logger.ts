import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'castellan' },
    redact: {
      paths: [
        'password',
        '*.password',
        'clientSecret',
        '*.clientSecret',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
