import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { samlProtocol } from '../../src/domain/federation/saml.ts';
import { sweepExpired } from '../../src/store/database/sweeper.ts';
import { SamlAssertionUse } from '../../src/store/models/saml-assertion-use.ts';
import { useFreshDatabase } from '../helpers/database.ts';
import {
  changeAttributeValue,
  stripSignatures,
  withEntityExpansion,
  wrapInExtensions,
  wrapWithForgedSibling,
} from '../helpers/saml-attacks.ts';
import { readPostForm, startSamlIdp, type NextAnswer, type SamlIdp } from '../helpers/saml-idp.ts';
import {
  alice,
  configureSaml,
  finishSaml,
  signOn,
  signOnWith,
  spMetadata,
  type SamlConfiguration,
} from '../helpers/saml-sp.ts';

// What a SAML service provider must refuse (issue 17), each sent by a real IdP on loopback (test/helpers/saml-idp.ts).

let drop: () => Promise<void>;
let idp: SamlIdp;
let impostor: SamlIdp;
before(async () => {
  drop = await useFreshDatabase();
  [idp, impostor] = await Promise.all([startSamlIdp(), startSamlIdp()]);
});
after(async () => {
  await Promise.all([idp.close(), impostor.close()]);
  await drop();
});

describe('responses that are refused', () => {
  let configuration: SamlConfiguration;
  before(async () => {
    configuration = await configureSaml(idp);
  });
  const refusals: [string, Partial<NextAnswer>, string][] = [
    [
      'an attribute changed after signing',
      { tamper: changeAttributeValue('alice@beta.example', 'admin@beta.example') },
      'bad_signature',
    ],
    ['no signature at all', { tamper: stripSignatures }, 'bad_signature'],
    [
      'a response signed only, then modified',
      { signResponseOnly: true, tamper: changeAttributeValue('Alice', 'Eve') },
      'bad_signature',
    ],
    [
      'signature wrapping: a forged assertion beside the signed one',
      { tamper: wrapWithForgedSibling('admin') },
      'bad_signature',
    ],
    [
      'signature wrapping: the signed assertion hidden in Extensions',
      { tamper: wrapInExtensions('admin') },
      'bad_signature',
    ],
    [
      'an audience that is another SP',
      { overrides: { Audience: 'https://other-sp.example/metadata' } },
      'wrong_audience',
    ],
    ['an answer to another request', { overrides: { InResponseTo: '_another-request' } }, 'wrong_request'],
    [
      'a recipient that is another ACS',
      { overrides: { SubjectRecipient: 'https://other-sp.example/acs' } },
      'wrong_recipient',
    ],
    [
      'a destination that is another ACS',
      { overrides: { Destination: 'https://other-sp.example/acs' } },
      'wrong_destination',
    ],
    [
      'a transient NameID',
      { user: { ...alice, nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' } },
      'unusable_subject',
    ],
  ];
  for (const [name, next, reason] of refusals)
    it(`refuses ${name} (${reason})`, async () => {
      const result = await signOnWith(idp, configuration, next);
      assert.equal('reason' in result && result.reason, reason);
    });

  it('refuses a document type declaration before parsing, and a response past 2 MB (bad_response)', async () => {
    const expanding = await signOnWith(idp, configuration, { tamper: withEntityExpansion });
    assert.equal('reason' in expanding && expanding.reason, 'bad_response');
    const huge = await signOnWith(idp, configuration, {
      user: { ...alice, attributes: { ...alice.attributes, memberOf: 'g'.repeat(1_600_000) } },
    });
    assert.equal('reason' in huge && huge.reason, 'bad_response');
  });

  it('lets only one of two simultaneous uses of the same response in (replayed)', async () => {
    idp.next = { user: alice };
    const { form, keep } = await signOn(configuration);
    const results = await Promise.allSettled([
      finishSaml(configuration, form, keep),
      finishSaml(configuration, form, keep),
    ]);
    assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected']);
    const refused = results.find((result) => result.status === 'rejected');
    assert.equal((refused as PromiseRejectedResult).reason.reason, 'replayed');
  });

  it('refuses an expired assertion, beyond the clock skew (expired)', async () => {
    const expired = new Date(Date.now() - 5 * 60_000).toISOString();
    const result = await signOnWith(idp, configuration, {
      overrides: {
        IssueInstant: new Date(Date.now() - 10 * 60_000).toISOString(),
        ConditionsNotBefore: new Date(Date.now() - 10 * 60_000).toISOString(),
        ConditionsNotOnOrAfter: expired,
        SubjectConfirmationDataNotOnOrAfter: expired,
      },
    });
    assert.equal('reason' in result && result.reason, 'expired');
  });

  it('refuses an IdP status other than Success, with its message (denied)', async () => {
    const result = await signOnWith(idp, configuration, {
      deny: { statusCode: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed', message: 'User cancelled' },
    });
    assert.deepEqual(result, {
      reason: 'denied',
      message: 'The identity provider refused the sign-in (User cancelled).',
    });
  });

  it("refuses a response signed with another key than the IdP metadata's, even naming the IdP (bad_signature)", async () => {
    impostor.trust(spMetadata(configuration));
    impostor.next = { user: alice, overrides: { Issuer: idp.entityId } };
    const { request, keep } = await samlProtocol.begin({ ...configuration, state: 's' });
    // The genuine request, delivered to the impostor: it answers its id, for the genuine IdP's entity id.
    const search = new URL((request as { url: string }).url).search;
    const form = readPostForm(await (await fetch(`${impostor.url}/sso${search}`)).text());
    await assert.rejects(finishSaml(configuration, form, keep), { reason: 'bad_signature' });
  });

  it('refuses a replayed assertion (replayed); its marker lasts until the assertion expires, then the sweeper removes it', async () => {
    idp.next = { user: alice };
    const { form, keep } = await signOn(configuration);
    assert.equal((await finishSaml(configuration, form, keep)).subject, 'alice-7f3a');
    await assert.rejects(finishSaml(configuration, form, keep), { reason: 'replayed' });
    const marker = await SamlAssertionUse.findOne({ idpId: configuration.idp.id }).lean();
    assert.ok(marker);
    // The IdP's NotOnOrAfter is 5 minutes out; the allowed skew adds 60 s.
    const fromNow = marker.expiresAt.getTime() - Date.now();
    assert.ok(fromNow > 5 * 60_000 && fromNow <= 6 * 60_000 + 1_000, `expires in ${fromNow} ms`);
    await sweepExpired();
    assert.ok(await SamlAssertionUse.exists({ _id: marker._id }));
    await sweepExpired(new Date(marker.expiresAt.getTime() + 1));
    assert.equal(await SamlAssertionUse.exists({ _id: marker._id }), null);
  });

  it('keeps replay markers per IdP configuration: the same assertion id from another IdP is not a replay', async () => {
    const other = await configureSaml(idp);
    const assertionId = '_shared-assertion-id';
    assert.equal('subject' in (await signOnWith(idp, other, { overrides: { AssertionID: assertionId } })), true);
    configuration = await configureSaml(idp);
    assert.equal(
      'subject' in (await signOnWith(idp, configuration, { overrides: { AssertionID: assertionId } })),
      true,
    );
    const again = await signOnWith(idp, configuration, { overrides: { AssertionID: assertionId } });
    assert.equal('reason' in again && again.reason, 'replayed');
  });
});
