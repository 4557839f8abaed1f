import path from 'node:path';
import nunjucks from 'nunjucks';
import { projectRoot } from './config.ts';

// Autoescape on: every value is escaped unless a template marks it `| safe` (none takes user input).
const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(projectRoot, 'views')), {
  autoescape: true,
});

export function renderView(name: string, context: Record<string, unknown>): string {
  return environment.render(name, context);
}
