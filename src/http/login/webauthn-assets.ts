import { readFileSync } from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { projectRoot } from '../../platform/config.ts';

/**
 * The scripts of the WebAuthn pages, from this origin (the pages' Content-Security-Policy allows `'self'` and their
 * nonce): @simplewebauthn/browser's single-file bundle (its `esm/` build is many modules), and the page script that
 * runs a ceremony with it (views/scripts/webauthn.js). Both are read once, at start-up.
 */
const SCRIPTS: Record<string, string> = {
  'simplewebauthn-browser.js': 'node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js',
  'webauthn.js': 'views/scripts/webauthn.js',
};

export function webauthnAssetRoutes(): Router {
  const router = new Router({ prefix: '/ui/assets' });
  for (const [name, file] of Object.entries(SCRIPTS)) {
    const body = readFileSync(path.join(projectRoot, file), 'utf8');
    router.get(`/${name}`, (ctx) => {
      ctx.type = 'text/javascript';
      ctx.set('cache-control', 'public, max-age=3600');
      ctx.body = body;
    });
  }
  return router;
}

/**
 * What views/webauthn-form.njk shows for a ceremony: the options as JSON safe inside a script element (`<` escaped:
 * an org's name or a login name is part of the options).
 */
export function webauthnForm(
  ceremony: 'register' | 'authenticate',
  options: PublicKeyCredentialCreationOptionsJSON | PublicKeyCredentialRequestOptionsJSON,
  action: string,
  label: string,
  error: string | null = null,
) {
  return { ceremony, action, label, error, optionsJson: JSON.stringify(options).replace(/</g, '\\u003c') };
}

/** The authenticator's answer a WebAuthn form sent, or null when it is not JSON (no script ran, or it failed). */
export function webauthnResponseOf<T>(form: URLSearchParams): T | null {
  const raw = form.get('response') ?? '';
  if (!raw || raw.length > 64 * 1024) return null;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as T) : null;
  } catch {
    return null;
  }
}
