// Issue 18: the granted projects, a project's applications and its grants are paged through the API's pagination (no
// cap at 500; the project page's two lists each on their own offset), and the SAML IdP form takes what the API
// accepts: NameID format, the transient mapping attribute, request signing, clock skew and the attribute mapping, with
// the API's errors next to the fields; a save keeps what the form does not show (the SP certificate).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Application, IdentityProvider, Organization, Project, ProjectGrant } from '../../src/store/models/index.ts';
import { fixtureOfFile, withAcmeOwner, pagerLink, walkPages, type ConsoleClient } from '../helpers/console-session.ts';
import { type OidcFixture } from '../helpers/oidc.ts';

const MANY = 105;
let fixture: OidcFixture;
let acme: string;
let owner: ConsoleClient;

fixtureOfFile(async (started) => ({ fixture, acme, owner } = await withAcmeOwner(started)));

const walk = (path: string, label: string, pattern: RegExp) => walkPages(owner, path, label, pattern);

describe('paging of the granted lists', () => {
  it('the projects granted to an org are walked page by page', async () => {
    const instanceId = fixture.instanceId;
    const beta = fixture.orgs.Beta!;
    const projects = await Project.insertMany(
      Array.from({ length: MANY }, (_, index) => ({ instanceId, orgId: beta, name: `Granted ${index}` })),
    );
    await ProjectGrant.insertMany(
      projects.map((project) => ({ instanceId, projectId: project._id, orgId: beta, grantedOrgId: acme })),
    );
    const total = await ProjectGrant.countDocuments({ instanceId, grantedOrgId: acme });
    const { ids, pages } = await walk(
      `/orgs/${acme}/granted-projects`,
      'Granted projects',
      /href="\/ui\/console\/projects\/[^/"]+\/grants\/([^"]+)"/g,
    );
    assert.equal(ids.size, total, 'every granted project once');
    assert.equal(pages, Math.ceil(total / 100));
  });

  it('a project’s applications and grants page each on their own offset', async () => {
    const instanceId = fixture.instanceId;
    const projectId = fixture.demoProjectId;
    await Application.insertMany(
      Array.from({ length: MANY }, (_, index) => ({
        instanceId,
        projectId,
        orgId: acme,
        name: `Api ${index}`,
        type: 'api',
        clientId: `paged-api-${index}`,
        api: { authMethod: 'basic' },
      })),
    );
    const orgs = await Organization.insertMany(
      Array.from({ length: MANY }, (_, index) => ({
        instanceId,
        name: `Customer ${index}`,
        primaryDomain: `customer-${index}.test`,
      })),
    );
    await ProjectGrant.insertMany(orgs.map((org) => ({ instanceId, projectId, orgId: acme, grantedOrgId: org._id })));
    const path = `/projects/${projectId}`;
    const apps = await walk(path, 'Applications', /href="\/ui\/console\/projects\/[^/"]+\/apps\/([^"]+)"/g);
    assert.equal(apps.ids.size, await Application.countDocuments({ instanceId, projectId }));
    const grants = await walk(path, 'Grants', /href="\/ui\/console\/projects\/[^/"]+\/grants\/([^"]+)"/g);
    assert.equal(grants.ids.size, await ProjectGrant.countDocuments({ instanceId, projectId }));

    const first = await owner.get(path);
    assert.equal(pagerLink(first.html, 'Applications', 'next'), '?appsOffset=100');
    const secondApps = await owner.get(`${path}?appsOffset=100`);
    assert.equal(
      pagerLink(secondApps.html, 'Grants', 'next'),
      '?appsOffset=100&grantsOffset=100',
      'the grants’ link keeps the applications’ page',
    );
  });
});

const METADATA =
  '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.acme.test">' +
  '</md:EntityDescriptor>';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const samlForm = (action: string, changes: Record<string, string> = {}): Array<[string, string]> =>
  Object.entries({
    action,
    type: 'saml',
    name: 'Partner SAML',
    metadataXml: METADATA,
    binding: 'post',
    nameIdFormat: TRANSIENT,
    transientMappingAttribute: 'uid',
    clockSkewSeconds: '30',
    email: 'mail\nemailAddress',
    givenName: 'firstName',
    isCreationAllowed: 'on',
    ...changes,
  }).filter(([, value]) => value !== '');

describe('the SAML identity provider form', () => {
  it('offers the NameID format, signing, clock skew and attribute mapping, each labelled', async () => {
    const page = await owner.get(`/orgs/${acme}/idps/new?type=saml`);
    assert.equal(page.status, 200);
    for (const [name, label] of [
      ['nameIdFormat', 'NameID format'],
      ['transientMappingAttribute', 'Attribute naming the user \\(with transient NameIDs\\)'],
      ['clockSkewSeconds', 'Clock skew allowed \\(seconds, at most 300\\)'],
      ['email', 'Email attributes'],
      ['preferredUsername', 'Username attributes'],
      ['locale', 'Language attributes'],
    ])
      assert.match(page.html, new RegExp(`<label for="create-${name}">${label}</label>`));
    assert.match(page.html, new RegExp(`<option value="${TRANSIENT}">transient</option>`));
    assert.match(page.html, /<input type="checkbox" name="signRequests" value="on" checked> Sign authentication/);
  });

  it('shows the API’s errors next to the fields, keeping what was typed', async () => {
    const path = `/orgs/${acme}/idps/new`;
    const noAttribute = await owner.post(path, samlForm('create', { transientMappingAttribute: '' }));
    assert.equal(noAttribute.status, 400);
    assert.match(noAttribute.html, /id="create-transientMappingAttribute-error"/);
    assert.match(noAttribute.html, /mail\nemailAddress<\/textarea>/, 'the attribute names typed are kept');
    const skew = await owner.post(path, samlForm('create', { clockSkewSeconds: '301' }));
    assert.equal(skew.status, 400);
    assert.match(skew.html, /id="create-clockSkewSeconds-error"/);
    const tooMany = await owner.post(
      path,
      samlForm('create', { email: Array.from({ length: 11 }, (_, index) => `a${index}`).join('\n') }),
    );
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.html, /id="create-email-error"/);
    assert.equal(await IdentityProvider.countDocuments({ orgId: acme, name: 'Partner SAML' }), 0);
  });

  it('stores what the form says, shows it again, and a save keeps the generated certificate', async () => {
    assert.equal((await owner.post(`/orgs/${acme}/idps/new`, samlForm('create'))).status, 303);
    const idp = (await IdentityProvider.findOne({ orgId: acme, name: 'Partner SAML' }).lean())!;
    const settings = idp.settings as Record<string, unknown>;
    assert.equal(settings.nameIdFormat, TRANSIENT);
    assert.equal(settings.transientMappingAttribute, 'uid');
    assert.equal(settings.signRequests, false, 'unticked');
    assert.equal(settings.clockSkewSeconds, 30);
    assert.equal(settings.binding, 'post');
    assert.deepEqual(settings.attributeMapping, { email: ['mail', 'emailAddress'], givenName: ['firstName'] });
    const certificate = settings.spCertificate;
    assert.ok(certificate, 'a key pair was generated');

    const page = await owner.get(`/orgs/${acme}/idps/${idp._id}`);
    assert.match(page.html, new RegExp(`<option value="${TRANSIENT}" selected>`));
    assert.match(page.html, /id="save-email" name="email"[^>]*>mail\nemailAddress<\/textarea>/);
    assert.match(page.html, /id="save-clockSkewSeconds" name="clockSkewSeconds" value="30"/);

    // The general attribute mapping (issue 17) is shown apart from the SAML attribute lists, and saved with them.
    await IdentityProvider.updateOne(
      { _id: idp._id },
      { $set: { mapping: { username: 'uid', trustEmailVerified: true } } },
    );
    const mapped = (await owner.get(`/orgs/${acme}/idps/${idp._id}`)).html;
    assert.match(mapped, /id="save-mapping\.username" name="mapping\.username" value="uid"/);
    assert.match(mapped, /name="mapping\.trustEmailVerified" value="on" checked/);
    const saved = await owner.post(
      `/orgs/${acme}/idps/${idp._id}`,
      samlForm('save', {
        name: 'Partner',
        email: '',
        signRequests: 'on',
        trustUpstreamAmr: 'on',
        'mapping.username': 'uid',
        'mapping.trustEmailVerified': 'on',
      }),
    );
    assert.equal(saved.status, 303);
    const after = (await IdentityProvider.findById(idp._id).lean())!;
    const changed = after.settings as Record<string, unknown>;
    assert.equal(after.name, 'Partner');
    assert.deepEqual(changed.attributeMapping, { givenName: ['firstName'] }, 'an emptied list takes the defaults');
    assert.equal(changed.signRequests, true);
    assert.equal(changed.spCertificate, certificate, 'the service provider’s certificate is kept');
    assert.deepEqual(after.mapping, { username: 'uid', trustEmailVerified: true });
    assert.equal(after.options?.trustUpstreamAmr, true);
  });
});
