// The instance's settings in the console (issue 18), for IAM managers: the settings of GET/PATCH /instance/settings,
// the default token lifetimes, and the SMTP server (its password never rendered back, a test message sent through
// it). IAM_OWNER_VIEWER reads them without controls, and a forged post of theirs changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Instance } from '../../src/store/models/index.ts';
import { flashOf, membershipOn, signedInManager } from '../helpers/console-session.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const SMTP_PASSWORD = 'smtp-secret-never-shown';
let fixture: OidcFixture;
let smtp: TestSmtp;
let acme: string;
before(async () => {
  fixture = await startOidcFixture();
  smtp = await startTestSmtp({ credentials: { username: 'mailer', password: SMTP_PASSWORD } });
  acme = fixture.orgs.ACME!;
});
after(async () => {
  await smtp.stop();
  await fixture.server.stop();
});

const smtpForm = (changes: Record<string, string> = {}): Array<[string, string]> =>
  Object.entries({
    action: 'save',
    host: '127.0.0.1',
    port: String(smtp.port),
    tls: 'none',
    user: 'mailer',
    password: SMTP_PASSWORD,
    senderAddress: 'noreply@acme.test',
    senderName: 'ACME',
    replyTo: '',
    ...changes,
  });
const instance = async () => (await Instance.findById(fixture.instanceId).lean())!;

describe('the instance settings in the console', () => {
  it('IAM_OWNER changes the settings and the default token lifetimes', async () => {
    const owner = await signedInManager(
      fixture,
      'settings-iam',
      acme,
      membershipOn(fixture, 'instance', acme, 'IAM_OWNER'),
    );
    const page = await owner.get('/instance/settings');
    assert.equal(page.status, 200);
    assert.match(page.html, /aria-label="Instance settings"/, 'the instance’s tabs');
    assert.match(page.html, /<input type="checkbox" name="orgId" value="on" checked>/, 'strict by default');
    // The form as a browser sends it: the boxes ticked now, with strict client assertions ticked and idpId not.
    const ticked = [...page.html.matchAll(/name="(\w+)" value="on" checked/g)].map((match) => match[1]!);
    const saved = await owner.post('/instance/settings', [
      ['action', 'save'],
      ...[...ticked.filter((name) => name !== 'idpId'), 'strictClientAssertions'].map((name): [string, string] => [
        name,
        'on',
      ]),
    ]);
    assert.equal(saved.status, 303);
    const settings = (await instance()).settings as Record<string, Record<string, boolean>>;
    assert.equal(settings.oidc!.strictClientAssertions, true);
    assert.equal(settings.strictReservedScopes!.idpId, false, 'an unticked box is sent as false');
    assert.equal(settings.strictReservedScopes!.orgId, true, 'a box left ticked stays true');
    const settingsPage = (await owner.get('/instance/settings')).html;
    assert.equal(flashOf(settingsPage), 'Your changes are saved.');
    assert.match((await owner.get('/instance/settings')).html, /name="strictClientAssertions" value="on" checked/);

    const lifetimes = await owner.get('/instance/token-lifetimes');
    assert.match(lifetimes.html, />Save lifetimes<\/button>/);
    const refused = await owner.post('/instance/token-lifetimes', [
      ['action', 'lifetimes'],
      ['accessTokenSeconds', '10'],
    ]);
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="lifetimes-accessTokenSeconds-error"/);
    const before = (await instance()).tokenLifetimes;
    const changed = await owner.post('/instance/token-lifetimes', [
      ['action', 'lifetimes'],
      ['accessTokenSeconds', '900'],
      ['idTokenSeconds', ''],
    ]);
    assert.equal(changed.status, 303);
    const after = (await instance()).tokenLifetimes!;
    assert.equal(after.accessTokenSeconds, 900);
    assert.equal(after.idTokenSeconds, before!.idTokenSeconds, 'an empty field keeps its value');
    assert.equal(flashOf((await owner.get('/instance/token-lifetimes')).html), 'Your changes are saved.');
  });

  it('IAM_OWNER sets the SMTP server, never sees its password again, and sends a test message', async () => {
    const owner = await signedInManager(
      fixture,
      'smtp-iam',
      acme,
      membershipOn(fixture, 'instance', acme, 'IAM_OWNER'),
    );
    const empty = await owner.get('/instance/smtp');
    assert.match(empty.html, /No SMTP server is set/);
    assert.doesNotMatch(empty.html, /Send test message|Remove SMTP settings/, 'nothing to test or remove yet');

    const refused = await owner.post('/instance/smtp', smtpForm({ senderAddress: 'not an address' }));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="save-senderAddress-error"/);
    assert.match(refused.html, /id="save-host"[^>]*value="127\.0\.0\.1"/, 'what was typed stays…');
    assert.doesNotMatch(refused.html, new RegExp(SMTP_PASSWORD), '…but never the password');

    assert.equal((await owner.post('/instance/smtp', smtpForm())).status, 303);
    const page = await owner.get('/instance/smtp');
    assert.equal(flashOf(page.html), 'Your changes are saved.');
    assert.doesNotMatch(page.html, new RegExp(SMTP_PASSWORD));
    assert.match(page.html, /A password is set; it is never shown/);
    assert.match(page.html, /id="save-password"[^>]*value=""/);
    assert.doesNotMatch(JSON.stringify((await instance()).smtp), new RegExp(SMTP_PASSWORD), 'encrypted at rest');

    // Saved again without a password: the stored one is kept.
    assert.equal((await owner.post('/instance/smtp', smtpForm({ password: '', senderName: 'ACME Time' }))).status, 303);
    assert.match((await owner.get('/instance/smtp')).html, /A password is set/);

    const tested = await owner.post('/instance/smtp', [
      ['action', 'test'],
      ['to', 'ops@acme.test'],
    ]);
    assert.equal(tested.status, 200);
    assert.match(tested.html, /The test message was accepted/);
    const [mail] = await smtp.waitFor('ops@acme.test');
    assert.equal(mail!.from, 'noreply@acme.test');
    assert.deepEqual(mail!.auth, { username: 'mailer', password: SMTP_PASSWORD }, 'the kept password is used');

    assert.equal((await owner.post('/instance/smtp', [['action', 'remove']])).status, 303);
    assert.equal((await instance()).smtp ?? null, null);
  });

  it('IAM_OWNER_VIEWER reads the settings without controls; forged posts change nothing', async () => {
    const viewer = await signedInManager(
      fixture,
      'settings-viewer',
      acme,
      membershipOn(fixture, 'instance', acme, 'IAM_OWNER_VIEWER'),
    );
    const settings = await viewer.get('/instance/settings');
    assert.equal(settings.status, 200);
    assert.doesNotMatch(settings.html, /Save settings|type="checkbox"/);
    assert.doesNotMatch((await viewer.get('/instance/token-lifetimes')).html, /Save lifetimes/);
    const smtpPage = await viewer.get('/instance/smtp');
    assert.doesNotMatch(smtpPage.html, /Save SMTP settings|type="password"|Send test message/);

    const before = await instance();
    const forged = await Promise.all([
      viewer.post('/instance/settings', [['action', 'save']]),
      viewer.post('/instance/token-lifetimes', [
        ['action', 'lifetimes'],
        ['accessTokenSeconds', '120'],
      ]),
      viewer.post('/instance/smtp', smtpForm()),
    ]);
    assert.deepEqual(
      forged.map((response) => response.status),
      [403, 403, 403],
    );
    const afterwards = await instance();
    assert.deepEqual(
      [afterwards.settings, afterwards.tokenLifetimes, afterwards.smtp ?? null],
      [before.settings, before.tokenLifetimes, before.smtp ?? null],
    );
  });
});
