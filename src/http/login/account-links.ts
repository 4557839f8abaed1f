import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { unlinkExternalIdentity } from '../../domain/commands/user-links.ts';
import { IdentityProvider } from '../../store/models/index.ts';
import { linksOfUser } from '../../store/queries/identity-providers.ts';
import type { AccountKit, AccountRequest } from './account-webauthn.ts';

/**
 * The user's links to external identity providers on /ui/account (issue 17: listed and removable by the user),
 * after the fresh sign-in every change there needs.
 */
export function accountLinkPages<T extends AccountRequest>(kit: AccountKit<T>) {
  /** The user's links as the account page lists them: the IdP's name and the upstream's name of the user. */
  async function list(loaded: T) {
    const instanceId = loaded.tenant.instance._id;
    const links = await linksOfUser(instanceId, loaded.user!._id);
    const idps = await IdentityProvider.find(
      { instanceId, _id: { $in: links.map((link) => link.idpId) } },
      { name: 1 },
    ).lean();
    return links.map((link) => ({
      id: link._id,
      idpName: idps.find((idp) => idp._id === link.idpId)?.name ?? link.idpId,
      externalName: link.externalUserName ?? link.externalUserId,
    }));
  }

  async function remove(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    const user = request.loaded.user!;
    await unlinkExternalIdentity(
      { instanceId: request.loaded.tenant.instance._id, actorId: user._id },
      user,
      String(ctx.params.linkId),
    );
    kit.backToAccount(ctx);
  }

  return {
    list,
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.post('/links/:linkId/remove', page(remove));
    },
  };
}
