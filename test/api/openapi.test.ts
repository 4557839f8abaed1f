import test from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { startTestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

interface Operation {
  'x-permission': string;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}

test('the OpenAPI document validates, and every route in it answers as it describes', async () => {
  const server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  try {
    const admin = await bootstrapToken(server);
    const documentResponse = await fetch(`${server.url}/api/v1/openapi.json`);
    assert.equal(documentResponse.status, 200);
    const document = (await documentResponse.json()) as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
    };
    const validation = await new Validator().validate(document as Parameters<Validator['validate']>[0]);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors));
    assert.equal(document.openapi, '3.1.0');

    // A fixture in which every path parameter names something real.
    const post = async (path: string, body: unknown) => {
      const response = await call(server, admin, 'POST', path, body);
      assert.equal(response.status, 201, `${path} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const vendor = (await post('/orgs', { name: 'Vendor' })).id as string;
    const customer = (await post('/orgs', { name: 'Customer' })).id as string;
    const projectId = (await post(`/orgs/${vendor}/projects`, { name: 'P' })).id as string;
    await post(`/projects/${projectId}/roles`, { key: 'reader', displayName: 'Reader' });
    const grantId = (await post(`/projects/${projectId}/grants`, { grantedOrgId: customer, roleKeys: ['reader'] }))
      .id as string;
    const userId = (await post(`/orgs/${customer}/users/machine`, { username: 'fixture-bot', name: 'Bot' }))
      .id as string;
    const userGrantId = (await post(`/orgs/${customer}/user-grants`, { userId, projectId, roleKeys: ['reader'] }))
      .id as string;
    const appId = (
      await post(`/projects/${projectId}/apps`, { type: 'oidc', name: 'Web', redirectUris: ['https://app.example/cb'] })
    ).id as string;
    const tokenId = (await post(`/users/${userId}/personal-access-tokens`, {})).id as string;
    await call(server, admin, 'PUT', `/users/${userId}/metadata/tier`, { value: 'gold' });
    await post(`/orgs/${customer}/domains`, { domain: 'customer.example' });
    const smtp = { host: '127.0.0.1', port: 2525, tls: 'none', senderAddress: 'login@castellan.test' };
    assert.equal((await call(server, admin, 'PUT', '/instance/smtp', smtp)).status, 200);
    const action = { name: 'fixtureAction', script: 'function fixtureAction(ctx, api) {}' };
    const actionId = (await post(`/orgs/${customer}/actions`, action)).id as string;
    const instanceActionId = (await post('/instance/actions', action)).id as string;
    const webhook = { url: 'https://hooks.example/x', eventTypes: ['user.*'] };
    const webhookId = (await post(`/orgs/${customer}/webhooks`, webhook)).id as string;
    const instanceWebhookId = (await post('/instance/webhooks', webhook)).id as string;
    const idp = {
      name: 'Corp',
      type: 'oidc',
      settings: { issuer: 'https://login.corp.example', clientId: 'c', clientSecret: 'client-secret' },
    };
    const instanceIdpId = (await post('/idps', idp)).id as string;
    const orgIdpId = (await post(`/orgs/${customer}/idps`, idp)).id as string;
    const customerOrg = (await call(server, admin, 'GET', `/orgs/${customer}`)).body;
    const loginName = `fixture-bot@${customerOrg.primaryDomain as string}`;
    const values: Record<string, string> = {
      orgId: customer,
      projectId,
      grantId,
      userId,
      userGrantId,
      appId,
      tokenId,
      key: 'tier',
      domain: 'customer.example',
      primaryDomain: customerOrg.primaryDomain as string,
      loginName,
      actionId,
      webhookId,
      flowType: 'complement-token',
      triggerType: 'pre-userinfo-creation',
    };
    // The instance's own actions and webhooks are other resources than the org's of the same name.
    const instanceValues: Record<string, string> = { actionId: instanceActionId, webhookId: instanceWebhookId };

    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    // Reads first, deletes last, so each call finds the fixture in place.
    const rank = { get: 0, post: 1, put: 1, patch: 1, delete: 2 } as Record<string, number>;
    operations.sort((a, b) => (rank[a.method] ?? 1) - (rank[b.method] ?? 1) || b.path.length - a.path.length);
    assert.ok(operations.length >= 70, `${operations.length} operations`);
    for (const { path, method, operation } of operations) {
      assert.match(operation['x-permission'], /^[a-z]+(\.[a-z_]+)*$/, `${method} ${path} declares its permission`);
      // An IdP is the instance's or an org's: each path gets the fixture its owner holds.
      const valueOf = (name: string) =>
        name === 'idpId'
          ? path.startsWith('/orgs/')
            ? orgIdpId
            : instanceIdpId
          : ((path.startsWith('/instance/') ? instanceValues[name] : undefined) ?? values[name]);
      const concrete = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(valueOf(name) ?? 'x'));
      const response = await call(
        server,
        admin,
        method.toUpperCase(),
        concrete,
        operation.requestBody ? {} : undefined,
      );
      const described = operation.responses[String(response.status)];
      assert.ok(
        described,
        `${method} ${path} answered ${response.status}, which it does not describe: ${JSON.stringify(response.body)}`,
      );
      if (method === 'get') assert.equal(response.status, 200, `${method} ${path}: ${JSON.stringify(response.body)}`);
      const schema =
        described.content?.['application/json']?.schema ?? described.content?.['application/problem+json']?.schema;
      if (schema && !('$ref' in schema)) {
        const parsed = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(response.body);
        assert.ok(parsed.success, `${method} ${path}: the body does not match its schema: ${parsed.error?.message}`);
      } else if (schema) {
        assert.match(response.contentType, /application\/problem\+json/);
        assert.equal(response.body.status, response.status);
      } else {
        assert.equal(response.status, 204);
      }
    }
  } finally {
    await server.stop();
  }
});
