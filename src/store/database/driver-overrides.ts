/**
 * The one MongoDB driver method Castellan replaces (written against mongodb 7.8.0, package-lock.json);
 * test/store/driver-overrides.test.ts reproduces what it fixes and fails when an upgrade removes the method.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import mongoose from 'mongoose';

/** The fields of the driver's internal Connection (mongodb/lib/cmap/connection.js) this override touches. */
interface DriverConnection {
  id: number | '<monitor>';
  address: string;
  socket: Socket;
  writeCommand(...args: unknown[]): Promise<void>;
}

const require = createRequire(import.meta.url);
// The class mongoose's driver uses: mongoose depends on this very package (no copy of its own).
const { Connection } = require('mongodb/lib/cmap/connection.js') as {
  Connection: { prototype: DriverConnection };
};

/** Set once the override is in place; the prototype is shared by every client of this process. */
let applied = false;

/**
 * A command written to a connection whose socket closes before the write is flushed fails with a network error
 * (retried on another connection when retryable, else a 503), instead of waiting forever.
 *
 * Why: `Connection.writeCommand` calls `socket.write()` and, when it returns false, waits for `'drain'` or
 * `'error'`. When the database goes away cleanly (kill -9 of FerretDB: the kernel closes its end, the client reads
 * EOF), Node ends and destroys the socket without an `'error'`, and emits `'close'` only once libuv has closed
 * the handle, a turn of the event loop later. A command checked out in between is written to a destroyed socket:
 * `write()` returns false and emits nothing (lib/internal/streams/writable.js, `_write`), the driver's `'close'`
 * handler finds no read to fail, and the command waits for a `'drain'` that never comes. Measured: one `find`
 * in about one kill in four under load, and every request awaiting the same cached lookup hung with it
 * (socketTimeoutMS cannot help: a destroyed socket ignores setTimeout). The driver's own `'close'` handler has
 * already closed the connection when this one runs, so the pool discards it on check-in.
 */
export function failWritesOnClosedSockets(): void {
  if (applied) return;
  const original = Connection.prototype.writeCommand;
  if (typeof original !== 'function') throw new Error('mongodb Connection.writeCommand is gone: review this override');
  Connection.prototype.writeCommand = async function writeCommand(this: DriverConnection, ...args: unknown[]) {
    const { socket } = this;
    let onClose = (): void => undefined;
    const closed = new Promise<never>((_, reject) => {
      onClose = () => reject(new mongoose.mongo.MongoNetworkError(`connection ${this.id} to ${this.address} closed`));
      socket.once('close', onClose);
    });
    try {
      return await Promise.race([original.apply(this, args), closed]);
    } finally {
      socket.off('close', onClose);
    }
  };
  applied = true;
}
