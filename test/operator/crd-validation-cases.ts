import { APPS } from '../../contract/index.js';
import { tenantSpec } from '../../dev/tenant-spec.js';
/** Specs for the CRD validation suite: valid pieces, and what the API server must refuse. */
export const valid = tenantSpec();
export const keycloak = { realm: 'a', adminCredentialsSecretRef: { name: 'admin' } };
export const registration = { initialAccessTokenSecretRef: { name: 'iat' } };
export const identity = (more: object) => ({
  ...valid,
  identity: { issuerUrl: 'https://sso.example', ...more },
});
export const EXACTLY_ONE =
  'set exactly one of identity.keycloak, identity.clientSecretRef, identity.registration';
export const ORIGINS =
  'allowedOrigins must be browser origins: https://host[:port], or http:// on localhost, 127.0.0.1 or [::1]; lowercase, no path, no wildcard';
/** `text` matched literally in a RegExp. */
export const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
export const HTTPS = 'publicUrl must use https unless its host is loopback or ends in .local';
export const TRUSTED_DOMAINS =
  'trustedDomains must be host names: lowercase, optionally "*." + a domain; no scheme, port, path or other wildcard';
/** A Keycloak identity whose CIMD settings are `cimd`. */
export const cimd = (settings: object) =>
  identity({ keycloak: { ...keycloak, clientIdMetadataDocuments: settings } });
const CIMD_FIELD = 'spec.identity.keycloak.clientIdMetadataDocuments';

/**
 * Specs the API server must refuse with the CRD from crds/: the cause's field and reason, and
 * what its message must say (the API server's wording).
 */
export const INVALID: [string, object, string, string, RegExp][] = [
  [
    'a wildcard ingress host',
    { ...valid, ingress: { host: '*.example.com' } },
    'spec.ingress.host',
    'FieldValueInvalid',
    /^Invalid value: "\*\.example\.com": ingress\.host must be one DNS name, without wildcards$/,
  ],
  ...(
    [
      ['with a path', 'https://app.example/chat'],
      ['with a trailing slash', 'https://app.example/'],
      ['with a wildcard', 'https://*.example.com'],
      ['over http on a public host', 'http://app.example'],
      ['in upper case', 'https://App.example'],
    ] as const
  ).map(([label, origin]): [string, object, string, string, RegExp] => [
    `an allowed origin ${label}`,
    { ...valid, allowedOrigins: ['https://app.example', origin] },
    'spec.allowedOrigins[1]',
    'FieldValueInvalid',
    new RegExp(`^Invalid value: "${literally(origin)}": ${literally(ORIGINS)}$`),
  ]),
  [
    '21 allowed origins',
    { ...valid, allowedOrigins: Array.from({ length: 21 }, (_, i) => `https://app-${i}.example`) },
    'spec.allowedOrigins',
    'FieldValueTooMany',
    /^Too many: 21: must have at most 20 items$/,
  ],
  ['no identity mode', identity({}), 'spec.identity', 'FieldValueInvalid', /Invalid value: set exactly/],
  [
    'two identity modes',
    identity({ keycloak, clientSecretRef: { name: 'c' } }),
    'spec.identity',
    'FieldValueInvalid',
    new RegExp(EXACTLY_ONE),
  ],
  [
    'all three identity modes',
    identity({ keycloak, registration, clientSecretRef: { name: 'c' } }),
    'spec.identity',
    'FieldValueInvalid',
    new RegExp(EXACTLY_ONE),
  ],
  [
    'http publicUrl on a public host',
    { ...valid, publicUrl: 'http://mcp.example' },
    'spec.publicUrl',
    'FieldValueInvalid',
    new RegExp(`^Invalid value: ${HTTPS}$`),
  ],
  [
    'http publicUrl on a host that only contains .local',
    { ...valid, publicUrl: 'http://mcp.local.example' },
    'spec.publicUrl',
    'FieldValueInvalid',
    new RegExp(HTTPS),
  ],
  [
    'zero replicas',
    { ...valid, replicas: 0 },
    'spec.replicas',
    'FieldValueInvalid',
    /^Invalid value: 0: spec\.replicas in body should be greater than or equal to 1$/,
  ],
  [
    '21 replicas',
    { ...valid, replicas: 21 },
    'spec.replicas',
    'FieldValueInvalid',
    /^Invalid value: 21: spec\.replicas in body should be less than or equal to 20$/,
  ],
  [
    'replicas as a string',
    { ...valid, replicas: 'two' },
    'spec.replicas',
    'FieldValueTypeInvalid',
    /^Invalid value: "string": spec\.replicas in body must be of type integer: "string"$/,
  ],
  [
    'a fraction of a replica',
    { ...valid, replicas: 1.5 },
    'spec.replicas',
    'FieldValueTypeInvalid',
    /^Invalid value: "number": spec\.replicas in body must be of type integer: "number"$/,
  ],
  [
    'an unknown app',
    { ...valid, apps: ['notes', 'spreadsheets'] },
    'spec.apps[1]',
    'FieldValueNotSupported',
    new RegExp(
      `^Unsupported value: "spreadsheets": supported values: ${APPS.map((app) => `"${app}"`).join(', ')}$`,
    ),
  ],
  [
    'an app twice',
    { ...valid, apps: ['notes', 'notes'] },
    'spec.apps[1]',
    'FieldValueDuplicate',
    /^Duplicate value: "notes"$/,
  ],
  [
    'no apps at all',
    { ...valid, apps: [] },
    'spec.apps',
    'FieldValueInvalid',
    /spec\.apps in body should have at least 1 items/,
  ],
  [
    'one app more than there are',
    {
      ...valid,
      apps: [...APPS, 'notes'],
    },
    'spec.apps',
    'FieldValueTooMany',
    new RegExp(`^Too many: ${APPS.length + 1}: must have at most ${APPS.length} items$`),
  ],
  [
    'no nextcloud.url',
    { ...valid, nextcloud: {} },
    'spec.nextcloud.url',
    'FieldValueRequired',
    /^Required value$/,
  ],
  [
    'no publicUrl',
    { nextcloud: valid.nextcloud, identity: valid.identity },
    'spec.publicUrl',
    'FieldValueRequired',
    /^Required value$/,
  ],
  [
    'no issuer',
    identity({ issuerUrl: undefined, clientSecretRef: { name: 'c' } }),
    'spec.identity.issuerUrl',
    'FieldValueRequired',
    /^Required value$/,
  ],
  [
    'a nextcloud.url without a scheme',
    { ...valid, nextcloud: { url: 'cloud.example' } },
    'spec.nextcloud.url',
    'FieldValueInvalid',
    /^Invalid value: "cloud\.example": spec\.nextcloud\.url in body should match/,
  ],
  [
    'an ftp nextcloud.url',
    { ...valid, nextcloud: { url: 'ftp://cloud.example' } },
    'spec.nextcloud.url',
    'FieldValueInvalid',
    /should match '\^https\?:/,
  ],
  [
    'an issuer with a space',
    identity({ issuerUrl: 'https://sso example', clientSecretRef: { name: 'c' } }),
    'spec.identity.issuerUrl',
    'FieldValueTypeInvalid',
    /spec\.identity\.issuerUrl in body must be of type uri: "https:\/\/sso example"/,
  ],
  [
    'a Keycloak URL that is no URI',
    identity({ keycloak: { ...keycloak, url: 'https://key cloak' } }),
    'spec.identity.keycloak.url',
    'FieldValueTypeInvalid',
    /in body must be of type uri/,
  ],
  [
    'a publicUrl over 2048 characters',
    { ...valid, publicUrl: `https://mcp.example/${'a'.repeat(2048)}` },
    'spec.publicUrl',
    'FieldValueTooLong',
    /^Too long: may not be more than 2048 bytes$/,
  ],
  [
    'an empty audience',
    { ...valid, nextcloud: { ...valid.nextcloud, audience: '' } },
    'spec.nextcloud.audience',
    'FieldValueInvalid',
    /should be at least 1 chars long/,
  ],
  [
    'an unknown auth mode',
    { ...valid, auth: { mode: 'anonymous' } },
    'spec.auth.mode',
    'FieldValueNotSupported',
    /^Unsupported value: "anonymous": supported values: "exchange", "passthrough"$/,
  ],
  [
    'passthrough with a managed Keycloak',
    { ...identity({ keycloak }), auth: { mode: 'passthrough' } },
    'spec',
    'FieldValueInvalid',
    /passthrough mode needs an issuer that is Nextcloud itself, not a managed Keycloak realm/,
  ],
  [
    'a keycloak block without a realm',
    identity({ keycloak: { adminCredentialsSecretRef: { name: 'a' } } }),
    'spec.identity.keycloak.realm',
    'FieldValueRequired',
    /^Required value$/,
  ],
  [
    'an excluded tag with a comma (EXCLUDED_TAGS is comma-separated)',
    { ...valid, excludedTags: ['private,secret'] },
    'spec.excludedTags[0]',
    'FieldValueInvalid',
    /^Invalid value: "private,secret": spec\.excludedTags\[0\] in body should match/,
  ],
  [
    'an excluded tag with a leading space',
    { ...valid, excludedTags: [' private'] },
    'spec.excludedTags[0]',
    'FieldValueInvalid',
    /in body should match/,
  ],
  [
    'an excluded tag longer than Nextcloud allows',
    { ...valid, excludedTags: ['x'.repeat(65)] },
    'spec.excludedTags[0]',
    'FieldValueTooLong',
    /^Too long: may not be more than 64 bytes$/,
  ],
  [
    '21 excluded tags',
    { ...valid, excludedTags: Array.from({ length: 21 }, (_, i) => `tag-${i}`) },
    'spec.excludedTags',
    'FieldValueTooMany',
    /^Too many: 21: must have at most 20 items$/,
  ],
  ...(
    [
      ['with a scheme', 'https://claude.ai'],
      ['with a port', 'localhost:8080'],
      ['with a path', 'claude.ai/oauth'],
      ['with a wildcard inside', 'claude.*.ai'],
      ['as a bare wildcard', '*'],
      ['in upper case', 'Claude.ai'],
    ] as const
  ).map(([label, domain]): [string, object, string, string, RegExp] => [
    `a CIMD trusted domain ${label}`,
    cimd({ enabled: true, trustedDomains: ['claude.ai', domain] }),
    `${CIMD_FIELD}.trustedDomains[1]`,
    'FieldValueInvalid',
    new RegExp(`^Invalid value: "${literally(domain)}": ${literally(TRUSTED_DOMAINS)}$`),
  ]),
  [
    '21 CIMD trusted domains',
    cimd({ enabled: true, trustedDomains: Array.from({ length: 21 }, (_, i) => `app-${i}.example`) }),
    `${CIMD_FIELD}.trustedDomains`,
    'FieldValueTooMany',
    /^Too many: 21: must have at most 20 items$/,
  ],
  [
    'CIMD enabled without trusted domains',
    cimd({ enabled: true }),
    CIMD_FIELD,
    'FieldValueInvalid',
    /clientIdMetadataDocuments needs at least one trusted domain when enabled$/,
  ],
  [
    'CIMD over http on a public domain',
    cimd({ enabled: true, trustedDomains: ['localhost', 'claude.ai'], allowHttp: true }),
    CIMD_FIELD,
    'FieldValueInvalid',
    /allowHttp is for development and needs every trusted domain to be localhost or 127\.0\.0\.1$/,
  ],
  [
    'identity as a string',
    { ...valid, identity: 'keycloak' },
    'spec.identity',
    'FieldValueTypeInvalid',
    /spec\.identity in body must be of type object: "string"/,
  ],
];
