import path from 'node:path';
import nunjucks from 'nunjucks';
import { projectRoot } from '../config.ts';
import type { LoginPolicy } from '../models/login-policy.ts';

// Autoescape on: every value is escaped unless a template marks it `| safe` (none takes user input).
const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(projectRoot, 'views')), { autoescape: true });

export interface Branding {
  name: string;
  primaryColor: string;
  backgroundColor: string;
  fontColor: string;
}

/** The branding a page shows: the policy's display name, else the name of the org (or instance) it belongs to. */
export function brandingFrom(policy: LoginPolicy, fallbackName: string): Branding {
  const { displayName, primaryColor, backgroundColor, fontColor } = policy.branding;
  return { name: displayName ?? fallbackName, primaryColor, backgroundColor, fontColor };
}

export function renderView(name: string, context: Record<string, unknown>): string {
  return environment.render(name, context);
}
