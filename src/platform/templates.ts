import path from 'node:path';
import type { ServerResponse } from 'node:http';
import nunjucks from 'nunjucks';
import { cspNonce } from './csp-nonce.ts';
import { projectRoot } from './config.ts';

// Autoescape on: every value is escaped unless a template marks it `| safe` (none takes user input).
const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(projectRoot, 'views')), {
  autoescape: true,
});

/** A page for `res`: its `<style>` elements carry the response's Content-Security-Policy nonce. */
export function renderView(res: ServerResponse, name: string, context: Record<string, unknown>): string {
  return environment.render(name, { ...context, cspNonce: cspNonce(res) });
}
