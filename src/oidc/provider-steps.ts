import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { providerRoutePath } from './configuration.ts';

/** A step of Castellan's in front of the provider's router, for one endpoint (koa middleware). */
export type ProviderStep = (ctx: Context, next: Next) => Promise<void>;

type Method = 'GET' | 'POST';

/** Each provider's steps by `METHOD path`, in the order they were added. */
const stepsByProvider = new WeakMap<Provider, Map<string, ProviderStep[]>>();

const routeKey = (method: string, path: string): string => `${method} ${path}`;

/** A list of steps run as a koa middleware chain: each step's `next` is the following one, the last's the router. */
function runSteps(steps: ProviderStep[], ctx: Context, next: Next, index = 0): Promise<void> {
  if (index === steps.length) return next();
  return steps[index]!(ctx, () => runSteps(steps, ctx, next, index + 1));
}

/**
 * Adds a step to the provider's requests of one method and route path (every path its router takes for the route:
 * `providerRoutePath`; GET with HEAD).
 * Every step used to be a `provider.use` middleware of its own, which every request to the provider passed through
 * (a refresh went through five, of which one concerned it: bench/README.md, "Refresh"); now the provider has one
 * middleware, which looks the request's method and path up once and runs only the steps added for them, in the order
 * they were added, before the provider's router (`Provider#use`, lib/provider.js).
 */
export function addProviderStep(provider: Provider, method: Method, path: string, step: ProviderStep): void {
  let steps = stepsByProvider.get(provider);
  if (!steps) {
    const byRoute = (steps = new Map<string, ProviderStep[]>());
    stepsByProvider.set(provider, byRoute);
    provider.use((ctx, next) => {
      // The router answers HEAD with the GET route.
      const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
      const forRoute = byRoute.get(routeKey(method, providerRoutePath(ctx.path)));
      return forRoute ? runSteps(forRoute, ctx, next) : next();
    });
  }
  const key = routeKey(method, path);
  steps.set(key, [...(steps.get(key) ?? []), step]);
}
