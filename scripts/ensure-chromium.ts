// Makes sure the browser tests have a Chromium at /usr/bin/chromium. Idempotent: does nothing when it is
// there; installs the distribution's package with apt-get when it is not and apt-get can run (as root).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function ensureChromium(log: (line: string) => void = console.log): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const aptAvailable = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!aptAvailable || process.getuid?.() !== 0) {
    log(`${CHROMIUM_PATH} is missing and cannot be installed here (needs apt-get as root); browser tests are skipped.`);
    return false;
  }
  log('Installing Chromium for the browser tests (apt-get install chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env,
  });
  if (install.status !== 0) {
    // The package lists may be missing or stale in a fresh container.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  }
  return install.status === 0 && existsSync(CHROMIUM_PATH);
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureChromium() ? 0 : 1);
