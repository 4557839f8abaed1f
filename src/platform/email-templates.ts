import { existsSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { projectRoot } from './config.ts';

/**
 * Email templates: views/email/{locale}/{template}.{subject,txt,html}.njk. A locale is a directory, so adding one
 * (or a template) is adding files; a user's locale falls back from `de-CH` to `de`, then to English.
 */
const EMAIL_ROOT = path.join(projectRoot, 'views', 'email');
export const FALLBACK_LOCALE = 'en';

const loader = () => new nunjucks.FileSystemLoader(EMAIL_ROOT);
// HTML escapes every value; the subject and the plain text are not HTML, so escaping would garble them.
const html = new nunjucks.Environment(loader(), { autoescape: true });
const plain = new nunjucks.Environment(loader(), { autoescape: false });

export interface RenderedEmail {
  locale: string;
  subject: string;
  text: string;
  html: string;
}

const available = new Map<string, boolean>();

function hasTemplate(locale: string, template: string): boolean {
  const key = `${locale}/${template}`;
  let found = available.get(key);
  if (found === undefined) {
    found =
      /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(locale) && existsSync(path.join(EMAIL_ROOT, locale, `${template}.html.njk`));
    available.set(key, found);
  }
  return found;
}

/** The locales to try for a user's locale, most specific first, ending with the fallback. */
export function localeCandidates(locale: string | null | undefined): string[] {
  const parts = (locale ?? '').toLowerCase().replace(/_/g, '-').split('-').filter(Boolean);
  const candidates = parts.map((_, index) => parts.slice(0, parts.length - index).join('-'));
  return [...new Set([...candidates, FALLBACK_LOCALE])];
}

export function renderEmail(
  template: string,
  locale: string | null | undefined,
  context: Record<string, unknown>,
): RenderedEmail {
  if (!/^[a-z][a-z0-9-]*$/.test(template)) throw new Error(`bad email template name ${template}`);
  const chosen = localeCandidates(locale).find((candidate) => hasTemplate(candidate, template));
  if (!chosen) throw new Error(`no email template ${template}`);
  const file = (kind: string) => `${chosen}/${template}.${kind}.njk`;
  const subject = plain.render(file('subject'), context).trim().replace(/\s+/g, ' ');
  return {
    locale: chosen,
    subject,
    text: plain.render(file('txt'), context),
    html: html.render(file('html'), { ...context, subject }),
  };
}
