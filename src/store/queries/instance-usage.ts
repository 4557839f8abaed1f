import { Event, Organization, User } from '../models/index.ts';

export interface InstanceUsage {
  orgs: number;
  users: number;
  /** Finished logins (the `user.login.succeeded` audit event) since `since`. */
  logins: number;
  since: Date;
}

/** What an instance holds and how much it is used: three counts over the instance's indexes. */
export async function instanceUsage(instanceId: string, since: Date): Promise<InstanceUsage> {
  const [orgs, users, logins] = await Promise.all([
    Organization.countDocuments({ instanceId }),
    User.countDocuments({ instanceId }),
    Event.countDocuments({ instanceId, createdAt: { $gte: since }, type: 'user.login.succeeded' }),
  ]);
  return { orgs, users, logins, since };
}
