import Router from '@koa/router';
import type { Context } from 'koa';
import { FederationCallbackError, finishFederation } from '../../domain/federation-state.ts';
import { EXTERNAL_IDP_CALLBACK_PATH } from '../../domain/federation/oidc.ts';
import { protocolOf } from '../../domain/federation/index.ts';
import { idpForProtocol } from '../../domain/commands/identity-providers.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { findIdentityProvider } from '../../store/queries/identity-providers.ts';
import { HttpError } from '../middleware/errors.ts';
import { LoginPageError, loginPage, readLoginForm } from './login-page.ts';

/**
 * Where upstreams send the browser back (issue 17): ZITADEL's `/ui/login/login/externalidp/callback` for OpenID Connect
 * and OAuth 2.0 (`state`), and per IdP `/idps/{id}/saml/acs` for SAML 2.0 (`RelayState`, redirect or POST binding).
 * These routes only dispatch to the protocol of the IdP the state names (domain/federation/index.ts), then hand the
 * login back to its own pages, where the interaction's cookie proves the same browser continues.
 */
export function federationCallbackRoutes(services: Services): Router {
  const router = new Router();

  async function finish(ctx: Context, params: URLSearchParams, state: string | null, pathIdpId?: string) {
    const { tenant } = ctx.state as { tenant: Tenant };
    try {
      const { uid, handle } = await finishFederation({
        masterKey: services.masterKey,
        issuer: tenant.instance.issuer,
        instanceId: tenant.instance._id,
        state,
        params,
        pathIdpId,
      });
      ctx.status = 303;
      ctx.redirect(`/ui/login/${uid}/idp-continue?handle=${encodeURIComponent(handle)}`);
    } catch (error) {
      if (!(error instanceof FederationCallbackError)) throw error;
      const backUrl = error.uid ? `/ui/login/${error.uid}` : null;
      throw new LoginPageError(error.reason === 'unreachable' ? 502 : 400, 'Sign-in failed', error.message, backUrl);
    }
  }

  const page = (handler: (ctx: Context) => Promise<void>) => loginPage(services.log, handler);

  router.get(
    EXTERNAL_IDP_CALLBACK_PATH,
    page(async (ctx) => {
      const params = new URLSearchParams(ctx.querystring);
      await finish(ctx, params, params.get('state'));
    }),
  );
  router.get(
    '/idps/:idpId/saml/acs',
    page(async (ctx) => {
      const params = new URLSearchParams(ctx.querystring);
      await finish(ctx, params, params.get('RelayState'), String(ctx.params.idpId));
    }),
  );
  router.post(
    '/idps/:idpId/saml/acs',
    page(async (ctx) => {
      const params = await readLoginForm(ctx);
      await finish(ctx, params, params.get('RelayState'), String(ctx.params.idpId));
    }),
  );
  router.get('/idps/:idpId/saml/metadata', async (ctx) => {
    const { tenant } = ctx.state as { tenant: Tenant };
    const idp = await findIdentityProvider(tenant.instance._id, String(ctx.params.idpId));
    const protocol = idp ? protocolOf(idp.type) : null;
    if (!idp || !protocol?.metadata) throw new HttpError(404, 'No such identity provider');
    ctx.type = 'application/samlmetadata+xml';
    ctx.body = protocol.metadata({
      idp: idpForProtocol(services.masterKey, idp),
      callbackUrl: `${tenant.instance.issuer}${protocol.callbackPath(idp._id)}`,
      issuer: tenant.instance.issuer,
    });
  });
  return router;
}
