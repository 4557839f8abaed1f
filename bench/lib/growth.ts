// Growth: one user's token issuance (refresh grant) and userinfo, measured again as the data around them grows.
import { oidcPayloadModels } from '../../src/store/models/oidc-payload.ts';
import type { LoadJob } from '../load.ts';
import { growOrganizations, growUserGrants, growUsers, type CastellanFixture } from './dataset.ts';
import { refreshJob, userinfoJob } from './jobs.ts';
import { measure, type Outcome } from './measure.ts';
import { elapsed } from './progress.ts';
import type { GrowthPoint, GrowthRatio, Report } from './report.ts';
import type { ScenarioOptions } from './scenarios.ts';
import { loadFor, Sessions, type Target } from './targets.ts';

/** The data set's sizes at each point: user grants, then organizations, then users, small → large. */
export interface GrowthSizes {
  grants: number;
  orgsSmall: number;
  orgsLarge: number;
  usersSmall: number;
  usersLarge: number;
}

/**
 * Tokens, codes, sessions, … stored by the provider: every scenario adds to them, and some storage operations cost
 * more as they grow.
 */
async function storedOidcDocuments(): Promise<number> {
  const counts = await Promise.all(oidcPayloadModels().map((model) => model.estimatedDocumentCount()));
  return counts.reduce((sum, count) => sum + count, 0);
}

const p50 = (outcome: Outcome): string =>
  'missing' in outcome ? 'n/a' : `p50 ${outcome.measurement.latencyMs.p50} ms`;

/** `options.timing` is the growth timing; `concurrency` the requests in flight at each point. */
export async function growth(
  target: Target,
  fixture: CastellanFixture,
  options: ScenarioOptions,
  { sizes, concurrency }: { sizes: GrowthSizes; concurrency: number },
): Promise<Report['growth']> {
  const sessions = new Sessions({ ...target, users: [fixture.growthUser] }, options.concurrency);
  const chains = await sessions.refreshTokens(concurrency);
  const access = await sessions.accessToken();
  if ('missing' in chains || 'missing' in access)
    return { missing: 'missing' in chains ? chains.missing : (access as { missing: string }).missing };
  const load = loadFor(target, options.timing.seconds, concurrency);
  let refresh: LoadJob = refreshJob(load, fixture.web, chains.tokens);
  const userinfo = { ...userinfoJob(load, access.token), completeInFlight: true };
  const point = async (label: string): Promise<GrowthPoint> => {
    const oidcDocuments = await storedOidcDocuments();
    const token = await measure(options, refresh, (next) => (refresh = next));
    const info = await measure(options, userinfo);
    console.log(`  ${elapsed()} growth · ${label}: token ${p50(token)}, userinfo ${p50(info)}`);
    return { label, oidcDocuments, token, userinfo: info };
  };
  await growOrganizations(fixture.instanceId, sizes.orgsSmall);
  await growUsers(fixture.instanceId, fixture.orgId, sizes.usersSmall);
  const points = [await point(`1 user grant, ${sizes.orgsSmall} orgs, ${sizes.usersSmall} users`)];
  await growUserGrants(fixture, sizes.grants);
  points.push(await point(`${sizes.grants} user grants`));
  await growOrganizations(fixture.instanceId, sizes.orgsLarge);
  points.push(await point(`${sizes.orgsLarge} orgs`));
  await growUsers(fixture.instanceId, fixture.orgId, sizes.usersLarge);
  points.push(await point(`${sizes.usersLarge} users`));
  const ratio = (name: string, small: number, large: number): GrowthRatio => ({
    name,
    small: points[small]!.label,
    large: points[large]!.label,
    points: [points[small]!, points[large]!],
  });
  return {
    points,
    ratios: [
      ratio(`user grants: 1 → ${sizes.grants}`, 0, 1),
      ratio(`organizations: ${sizes.orgsSmall} → ${sizes.orgsLarge}`, 1, 2),
      ratio(`users: ${sizes.usersSmall} → ${sizes.usersLarge}`, 2, 3),
    ],
  };
}
