import { z } from 'zod';
import { unlinkExternalIdentity } from '../../domain/commands/user-links.ts';
import type { UserLinkDocument } from '../../store/models/user-link.ts';
import { linksOfUser } from '../../store/queries/identity-providers.ts';
import { USER } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Users';

export const userLinkView = z.object({
  id: z.string(),
  idpId: z.string(),
  externalUserId: z.string(),
  externalUserName: z.string().nullable(),
  createdAt: z.string(),
});

export function toUserLinkView(link: UserLinkDocument): z.input<typeof userLinkView> {
  return {
    id: link._id,
    idpId: link.idpId,
    externalUserId: link.externalUserId,
    externalUserName: link.externalUserName ?? null,
    createdAt: new Date(link.createdAt).toISOString(),
  };
}

export const userLinkRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/users/{userId}/links',
    tag: TAG,
    summary: "The user's links to external identity providers (ZITADEL's ListHumanLinkedIDPs)",
    permission: 'user.read',
    on: USER,
    response: z.object({ links: z.array(userLinkView) }),
    handler: async ({ actor, target }) => ({
      links: (await linksOfUser(actor.instanceId, target._id)).map(toUserLinkView),
    }),
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/links/{linkId}',
    tag: TAG,
    summary: 'Remove a link: the external identity no longer logs in as this user (ZITADEL RemoveHumanLinkedIDP)',
    permission: 'user.write',
    on: USER,
    response: null,
    handler: ({ actor, target, params }) => unlinkExternalIdentity(actor, target, params.linkId ?? ''),
  }),
];
