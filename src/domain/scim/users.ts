import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GRANTS_SCHEMA, USER_SCHEMA, scimInvalid } from './protocol.ts';

/** What SCIM shows of a Castellan user (a human of the org): plain data, read from the user document. */
export interface UserFacts {
  _id: string;
  username: string;
  externalId?: string | null;
  state: string;
  human: {
    email: string;
    givenName: string;
    familyName: string;
    displayName?: string | null;
    locale?: string | null;
    phone?: string | null;
  };
  createdAt: Date;
  updatedAt: Date;
}

/** One entry of the grants extension: the roles the org gave the user on one project. */
export interface ScimGrant {
  projectId: string;
  roles: string[];
}

/** A SCIM User as Castellan reads it from a request: every attribute it stores, nothing else. */
export interface ScimUserInput {
  userName: string;
  externalId: string | null;
  givenName: string;
  familyName: string;
  displayName: string | null;
  preferredLanguage: string | null;
  email: string;
  phone: string | null;
  active: boolean;
  /** Write-only (RFC 7643 §4.1.1): set when the request carries one. */
  password?: string;
  /** Absent when the request does not carry the extension: the user's grants stay as they are. */
  grants?: ScimGrant[];
}

const text = (max: number) => z.string().trim().min(1).max(max);
const multiValued = z.array(z.looseObject({ value: z.string(), primary: z.boolean().optional() })).max(1);
const grantsSchema = z.array(
  z.strictObject({
    projectId: text(64),
    roles: z.array(z.string().min(1).max(200)).max(200),
  }),
);
const userSchema = z.strictObject({
  userName: z
    .string()
    .trim()
    .toLowerCase()
    .min(1)
    .max(200)
    .regex(/^[a-z0-9._@+-]+$/, 'may contain letters, digits and ._@+-'),
  externalId: text(200).nullish(),
  name: z.strictObject({ givenName: text(200), familyName: text(200), formatted: z.string().optional() }),
  displayName: text(200).nullish(),
  preferredLanguage: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or de-CH')
    .nullish(),
  emails: multiValued.min(1, 'one email address is required'),
  phoneNumbers: multiValued.nullish(),
  active: z.boolean().optional(),
  password: z.string().min(1).max(1024).optional(),
  // A patch that removes the last grant leaves the extension without the attribute: no grants.
  [GRANTS_SCHEMA]: z.strictObject({ grants: grantsSchema.default([]) }).optional(),
});

/** Attributes a client may send that the server assigns (RFC 7644 §3.3: readOnly attributes SHALL be ignored). */
const READ_ONLY = ['schemas', 'id', 'meta', 'groups'];
const CANONICAL = [...Object.keys(userSchema.shape), ...READ_ONLY];

/** SCIM attribute names are case-insensitive (RFC 7643 §2.1): each known name in its canonical spelling. */
function canonicalNames(body: Record<string, unknown>): Record<string, unknown> {
  const byLowerCase = new Map(CANONICAL.map((name) => [name.toLowerCase(), name]));
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [byLowerCase.get(key.toLowerCase()) ?? key, value]),
  );
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') || '(body)';
  if (issue?.code === 'unrecognized_keys') return `${path}: not supported by this server: ${issue.keys.join(', ')}`;
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

/**
 * A SCIM User resource read from a request body (create, replace, or the result of a patch). Attributes Castellan does
 * not store are refused (400 invalidValue naming them), never silently dropped; the Schemas endpoint lists the stored
 * ones.
 */
export function readScimUser(body: unknown): ScimUserInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw scimInvalid('invalidSyntax', 'the request body must be a SCIM User object');
  const named = canonicalNames(body as Record<string, unknown>);
  for (const key of READ_ONLY) delete named[key];
  const parsed = userSchema.safeParse(named);
  if (!parsed.success) throw scimInvalid('invalidValue', firstIssue(parsed.error));
  const user = parsed.data;
  const grants = user[GRANTS_SCHEMA]?.grants;
  const projects = new Set(grants?.map((grant) => grant.projectId));
  if (grants && projects.size !== grants.length)
    throw scimInvalid('invalidValue', `${GRANTS_SCHEMA}:grants: one entry per project`);
  const email = user.emails[0]?.value.trim().toLowerCase() ?? '';
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320)
    throw scimInvalid('invalidValue', 'emails.value: must be an email address');
  return {
    userName: user.userName,
    externalId: user.externalId ?? null,
    givenName: user.name.givenName,
    familyName: user.name.familyName,
    displayName: user.displayName ?? null,
    preferredLanguage: user.preferredLanguage ?? null,
    email,
    phone: user.phoneNumbers?.[0]?.value.trim() || null,
    active: user.active ?? true,
    ...(user.password !== undefined ? { password: user.password } : {}),
    ...(grants ? { grants: grants.map((grant) => ({ ...grant, roles: [...new Set(grant.roles)].sort() })) } : {}),
  };
}

/** A weak entity tag of a representation (RFC 7644 §3.14): it changes whenever anything the client sees changes. */
export function versionOf(resource: object): string {
  const digest = createHash('sha256').update(JSON.stringify(resource)).digest('base64url').slice(0, 22);
  return `W/"${digest}"`;
}

/** The SCIM User resource of a Castellan user and the grants its org gave it (RFC 7643 §4.1 and seed 003). */
export function toScimUser(user: UserFacts, grants: ScimGrant[], location: string): Record<string, unknown> {
  const { human } = user;
  const resource = {
    schemas: [USER_SCHEMA, GRANTS_SCHEMA],
    id: user._id,
    ...(user.externalId ? { externalId: user.externalId } : {}),
    userName: user.username,
    name: {
      formatted: `${human.givenName} ${human.familyName}`,
      givenName: human.givenName,
      familyName: human.familyName,
    },
    displayName: human.displayName || `${human.givenName} ${human.familyName}`,
    ...(human.locale ? { preferredLanguage: human.locale } : {}),
    active: user.state === 'active',
    emails: [{ value: human.email, primary: true }],
    ...(human.phone ? { phoneNumbers: [{ value: human.phone, primary: true }] } : {}),
    [GRANTS_SCHEMA]: {
      grants: grants
        .map((grant) => ({ projectId: grant.projectId, roles: [...grant.roles].sort() }))
        .sort((a, b) => a.projectId.localeCompare(b.projectId)),
    },
  };
  const meta = {
    resourceType: 'User',
    created: user.createdAt.toISOString(),
    lastModified: user.updatedAt.toISOString(),
    location,
  };
  return { ...resource, meta: { ...meta, version: versionOf({ ...resource, meta }) } };
}
