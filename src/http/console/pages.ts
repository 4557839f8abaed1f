import { homePage } from './home.ts';
import type { ConsolePage } from './kit.ts';
import { orgDeletePage, orgListPage, orgPage } from './orgs.ts';

/** Every console page; a page's path is relative to /ui/console. */
export function consolePages(): ConsolePage[] {
  return [homePage, orgListPage, orgPage, orgDeletePage];
}
