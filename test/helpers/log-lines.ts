import { pino, type Logger } from 'pino';

export interface LogWatch {
  /** The JSON lines written since the watch began, parsed. */
  lines(): Record<string, unknown>[];
  /** Stops recording; the logger writes as before. */
  stop(): void;
}

/**
 * Records what a running Castellan's logger writes (the test server logs in the test's own process), while still
 * writing it: pino hands every line, its children's too, to one destination stream, whose `write` this wraps.
 */
export function watchLog(log: Logger): LogWatch {
  const stream = (log as unknown as Record<symbol, { write(line: string): boolean }>)[pino.symbols.streamSym]!;
  const write = stream.write;
  const written: string[] = [];
  stream.write = function recordAndWrite(this: unknown, line: string) {
    written.push(line);
    return write.call(this, line);
  };
  return {
    lines: () => written.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line)),
    stop: () => {
      stream.write = write;
    },
  };
}
