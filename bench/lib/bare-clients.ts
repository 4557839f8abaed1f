// The bare library's static clients and account, shared by its process and the bench driving it.
export const BARE = {
  machine: { clientId: 'bench-machine', clientSecret: 'bench-machine-secret-0123456789abcdef' },
  machineJwt: { clientId: 'bench-machine-jwt', clientSecret: 'bench-machine-jwt-secret-0123456789abcdef' },
  web: {
    clientId: 'bench-web',
    clientSecret: 'bench-web-secret-0123456789abcdef',
    redirectUri: 'http://127.0.0.1:9/callback',
  },
  resource: 'urn:bench:api',
  accountId: 'bench-user',
  loginName: 'bench-user@bench.localhost',
  password: 'Bench-Passw0rd!',
} as const;
