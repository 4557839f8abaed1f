// Counting the database commands a piece of work sends, with the driver's command monitoring (on when METRICS_TOKEN
// is set, src/store/database/connection.ts): the round-trip budgets of bench/README.md keep to what these tests see.
import type { CommandStartedEvent } from 'mongodb';
import mongoose from 'mongoose';

/** What a command is named by in a test's list, or undefined to leave it out. */
export type CommandLabel = (event: CommandStartedEvent, collection: string) => string | undefined;

/** `command collection`: every command. */
export const commandAndCollection: CommandLabel = (event, collection) => `${event.commandName} ${collection}`;

/**
 * The labels of the commands sent while `work` runs (and, with `settleMs`, shortly after: writes a request does not
 * wait for are on their way within a turn or two).
 */
export async function commandsDuring<T>(
  work: () => Promise<T>,
  label: CommandLabel = commandAndCollection,
  settleMs = 0,
): Promise<{ result: T; commands: string[] }> {
  const commands: string[] = [];
  const record = (event: CommandStartedEvent) => {
    const named = label(event, String(event.command[event.commandName]));
    if (named !== undefined) commands.push(named);
  };
  const driver = mongoose.connection.getClient();
  driver.on('commandStarted', record);
  try {
    const result = await work();
    if (settleMs) await new Promise((resolve) => setTimeout(resolve, settleMs));
    return { result, commands };
  } finally {
    driver.off('commandStarted', record);
  }
}
