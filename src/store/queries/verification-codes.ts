import { OidcConsumption } from '../models/oidc-payload.ts';
import { isDuplicateKeyError } from './array-rewrite.ts';
import { VerificationCode, type CodePurpose, type VerificationCodeDocument } from '../models/verification-code.ts';

export interface NewCode {
  instanceId: string;
  userId: string;
  purpose: CodePurpose;
  codeHash: string;
  email: string;
  expiresAt: Date;
}

/** Stores a new code and drops the older ones of the user and purpose (the newest counts anyway). */
export async function replaceCode(code: NewCode): Promise<void> {
  const created = await VerificationCode.create(code);
  await VerificationCode.deleteMany({
    instanceId: code.instanceId,
    userId: code.userId,
    purpose: code.purpose,
    _id: { $lt: created._id },
  });
}

/** The user's newest code for the purpose: the only one that counts. */
export async function newestCode(
  instanceId: string,
  userId: string,
  purpose: CodePurpose,
): Promise<VerificationCodeDocument | null> {
  const codes = await VerificationCode.find({ instanceId, userId, purpose }).lean<VerificationCodeDocument[]>();
  return codes.reduce<VerificationCodeDocument | null>(
    (newest, code) => (!newest || code._id > newest._id ? code : newest),
    null,
  );
}

/**
 * Uses a code up: true for exactly one caller. The race is decided by inserting a unique marker, as for OIDC codes
 * (store/models/oidc-payload.ts): on FerretDB v1 two concurrent deletes of one document may both report it deleted.
 */
export async function consumeCode(code: Pick<VerificationCodeDocument, '_id' | 'expiresAt'>): Promise<boolean> {
  try {
    await OidcConsumption.create({ _id: `VerificationCode:${code._id}`, expiresAt: code.expiresAt });
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
  await VerificationCode.deleteOne({ _id: code._id });
  return true;
}

/** Drops a user's codes (of one purpose, or all): an address changed, or the user is gone. */
export async function dropCodes(instanceId: string, userId: string, purpose?: CodePurpose): Promise<void> {
  await VerificationCode.deleteMany({ instanceId, userId, ...(purpose ? { purpose } : {}) });
}
