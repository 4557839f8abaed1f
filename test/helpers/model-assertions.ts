// Assertions on the models' own rules: schema validation names the failing path, unique indexes refuse doubles.
import assert from 'node:assert/strict';
import mongoose from 'mongoose';

export async function assertInvalid(document: { validate(): Promise<unknown> }, path: string): Promise<void> {
  await assert.rejects(document.validate(), (error: unknown) => {
    assert.ok(error instanceof mongoose.Error.ValidationError, String(error));
    assert.ok(
      Object.keys(error.errors).some((key) => key === path || key.startsWith(`${path}.`)),
      `expected an error on ${path}, got ${Object.keys(error.errors).join(', ')}`,
    );
    return true;
  });
}

export async function assertDuplicate(create: () => Promise<unknown>): Promise<void> {
  await assert.rejects(create(), (error: { code?: number }) => {
    assert.equal(error.code, 11000, String(error));
    return true;
  });
}
