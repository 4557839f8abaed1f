import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, stateField } from './common.ts';
import { ACCESS_TOKEN_TYPES } from './user.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

export const OIDC_GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
  /** RFC 8693, while the instance enables it (oidc/grants/token-exchange.ts). */
  'urn:ietf:params:oauth:grant-type:token-exchange',
] as const;
export const OIDC_RESPONSE_TYPES = ['code'] as const;
export const OIDC_APP_TYPES = ['web', 'user_agent', 'native'] as const;
export const OIDC_AUTH_METHODS = ['basic', 'post', 'none', 'private_key_jwt'] as const;
export const API_AUTH_METHODS = ['basic', 'private_key_jwt'] as const;

const oidcConfigSchema = new Schema(
  {
    redirectUris: { type: [String], default: [] },
    postLogoutRedirectUris: { type: [String], default: [] },
    responseTypes: { type: [{ type: String, enum: OIDC_RESPONSE_TYPES }], default: ['code'] },
    grantTypes: { type: [{ type: String, enum: OIDC_GRANT_TYPES }], default: ['authorization_code'] },
    appType: { type: String, enum: OIDC_APP_TYPES, default: 'web' },
    authMethod: { type: String, enum: OIDC_AUTH_METHODS, default: 'basic' },
    accessTokenType: { type: String, enum: ACCESS_TOKEN_TYPES, default: 'bearer' },
    accessTokenRoleAssertion: { type: Boolean, default: false },
    idTokenRoleAssertion: { type: Boolean, default: false },
    idTokenUserinfoAssertion: { type: Boolean, default: false },
    /** Beyond ZITADEL: also emit `roles: [key, …]` for the current project, for RPs that cannot read the object map. */
    flatRolesClaim: { type: Boolean, default: false },
    clockSkewSeconds: { type: Number, default: 0, min: 0, max: 5 },
    devMode: { type: Boolean, default: false },
    /** OpenID Connect Back-Channel Logout 1.0 §2.2: where logout tokens are posted; null: the app is not told. */
    backChannelLogoutUri: { type: String, default: null },
    /** §2.2 `backchannel_logout_session_required`: logout tokens (and ID tokens) then carry `sid`. */
    backChannelLogoutSessionRequired: { type: Boolean, default: false },
    /** PKCE even for a confidential client (RFC 9700 §2.1.1); public clients always need it (domain/rules/pkce.ts). */
    requirePkce: { type: Boolean, default: false },
  },
  { _id: false },
);

const applicationSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    projectId: { type: String, required: true },
    /** The project's owner org; a project never changes owner, so this is safe to copy for permission checks. */
    orgId: { type: String, required: true },
    name: { type: String, required: true, trim: true, minlength: 1, maxlength: 200 },
    type: { type: String, enum: ['oidc', 'api'], required: true },
    state: stateField,
    clientId: { type: String, required: true, match: /^[A-Za-z0-9_-]+$/ },
    /** Keyed hash (HMAC-SHA256) of the client secret. */
    clientSecretHash: { type: String },
    oidc: { type: oidcConfigSchema, default: null },
    api: {
      type: new Schema({ authMethod: { type: String, enum: API_AUTH_METHODS, required: true } }, { _id: false }),
      default: null,
    },
    /** Public keys for private_key_jwt client authentication. */
    keys: {
      type: [
        new Schema(
          {
            keyId: { type: String, required: true },
            jwk: { type: Schema.Types.Mixed, required: true },
            expiresAt: Date,
          },
          { _id: false },
        ),
      ],
      default: [],
    },
  },
  { ...schemaOptions, collection: 'applications' },
);
applicationSchema.index({ instanceId: 1, clientId: 1 }, { unique: true });
applicationSchema.index({ instanceId: 1, projectId: 1 });
applicationSchema.pre('validate', function requireMatchingConfig() {
  if (this.type === 'oidc' && !this.oidc) this.invalidate('oidc', 'an OIDC application needs an oidc configuration');
  if (this.type === 'api' && !this.api) this.invalidate('api', 'an API application needs an api configuration');
});

export type ApplicationDocument = InferSchemaType<typeof applicationSchema> & { _id: string };
applicationSchema.plugin(invalidateCachesOnWrite);
export const Application = model('Application', applicationSchema);
