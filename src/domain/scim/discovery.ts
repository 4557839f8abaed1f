import { GRANTS_SCHEMA, GROUP_SCHEMA, SCIM_LIMITS, USER_SCHEMA } from './protocol.ts';

// What the server supports, told exactly (RFC 7644 §4, RFC 7643 §5-7): the same limits and attributes the endpoints
// enforce. Every function takes the org's SCIM base URL (from the instance's issuer, never the Host header).

const SERVICE_PROVIDER_CONFIG = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG],
    patch: { supported: true },
    bulk: {
      supported: true,
      maxOperations: SCIM_LIMITS.maxBulkOperations,
      maxPayloadSize: SCIM_LIMITS.maxBulkPayloadBytes,
    },
    filter: { supported: true, maxResults: SCIM_LIMITS.maxResults },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          "A personal access token or an access token for the management API of a machine user holding the org's " +
          'user.read, user.write (and, for the grants extension, user.grant.write) permissions',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  const resourceType = (id: string, description: string, schema: string, extensions: string[]) => ({
    schemas: [RESOURCE_TYPE],
    id,
    name: id,
    endpoint: `/${id}s`,
    description,
    schema,
    schemaExtensions: extensions.map((extension) => ({ schema: extension, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${id}` },
  });
  return [
    resourceType(
      'User',
      'A human user of the organization; the extension carries the project roles the organization gave it ' +
        '(user grants)',
      USER_SCHEMA,
      [GRANTS_SCHEMA],
    ),
    resourceType(
      'Group',
      'A project role the organization may assign (a role of a project it owns, or of a project grant it holds); ' +
        'its id is projectId:roleKey and its members are the users of the organization it gave that role ' +
        '(user grants). ' +
        'Groups are not created or deleted through SCIM: only their members change',
      GROUP_SCHEMA,
      [],
    ),
  ];
}

type Attribute = Record<string, unknown>;

function attribute(name: string, extra: Attribute = {}): Attribute {
  return {
    name,
    type: 'string',
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...extra,
  };
}

const singleValue = (description: string) => attribute('value', { description, required: true });
const primary = attribute('primary', { type: 'boolean', description: 'Always true: Castellan keeps one value' });

const USER_ATTRIBUTES = [
  attribute('userName', {
    required: true,
    uniqueness: 'server',
    description: 'The username (lower-cased; letters, digits and ._@+-), unique in the instance',
  }),
  attribute('name', {
    type: 'complex',
    subAttributes: [
      attribute('formatted', { mutability: 'readOnly', description: 'givenName familyName' }),
      attribute('familyName', { required: true }),
      attribute('givenName', { required: true }),
    ],
  }),
  attribute('displayName', { description: 'Defaults to givenName familyName' }),
  attribute('preferredLanguage', { description: 'A BCP 47 language tag: the language of the emails and pages' }),
  attribute('active', { type: 'boolean', description: 'false deactivates the user; a locked user is not active' }),
  attribute('password', {
    mutability: 'writeOnly',
    returned: 'never',
    description: "Checked against the org's password complexity",
  }),
  attribute('emails', {
    type: 'complex',
    multiValued: true,
    required: true,
    description: 'Exactly one address; a directory vouches for it, so it is stored verified',
    subAttributes: [singleValue('The email address'), primary],
  }),
  attribute('phoneNumbers', {
    type: 'complex',
    multiValued: true,
    description: 'At most one number',
    subAttributes: [singleValue('The phone number'), primary],
  }),
];

const GRANTS_ATTRIBUTES = [
  attribute('grants', {
    type: 'complex',
    multiValued: true,
    description:
      'One entry per project: the roles the organization gives the user there. Only roles the organization may ' +
      "assign (its own projects' roles, or a project grant's subset) are accepted; a project left out loses its grant",
    subAttributes: [
      attribute('projectId', { required: true, caseExact: true }),
      attribute('roles', { multiValued: true, caseExact: true, description: 'Role keys of the project' }),
    ],
  }),
];

const GROUP_ATTRIBUTES = [
  attribute('displayName', { required: true, mutability: 'readOnly', description: 'projectName: roleKey' }),
  attribute('members', {
    type: 'complex',
    multiValued: true,
    description: 'The users of the organization holding the role through its user grants',
    subAttributes: [
      attribute('value', { caseExact: true, mutability: 'immutable', description: 'A User id' }),
      attribute('display', { mutability: 'readOnly' }),
      attribute('$ref', { type: 'reference', referenceTypes: ['User'], mutability: 'readOnly' }),
      attribute('type', { mutability: 'readOnly', canonicalValues: ['User'] }),
    ],
  }),
];

export function schemas(baseUrl: string) {
  const schema = (id: string, name: string, description: string, attributes: Attribute[]) => ({
    schemas: [SCHEMA],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  });
  return [
    schema(USER_SCHEMA, 'User', 'User Account', USER_ATTRIBUTES),
    schema(GRANTS_SCHEMA, 'ZitadelUserGrants', 'Project roles given by the organization (seed 003)', GRANTS_ATTRIBUTES),
    schema(GROUP_SCHEMA, 'Group', 'A project role of the organization', GROUP_ATTRIBUTES),
  ];
}
