// Ory Hydra built from the Go module proxy into the peers' cache (once; later runs reuse the binary).
//
// `go install github.com/ory/hydra/v2@v2.3.0` is refused: Hydra's go.mod has replace directives ("The go.mod file
// for the module providing named packages contains one or more replace directives"). So a throw-away wrapper module
// requires Hydra as a tool (`go get -tool`), carries over Hydra's replace directives that point at other module
// versions (a local-path replace names a folder that is not in the module zip: the published module Hydra requires is
// used instead), and builds with the tags Hydra's own Makefile uses for SQLite (needed for DSN=memory).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elapsed } from '../progress.ts';
import { peersCacheDir, PeerSkipped, requireCommands, run } from './peer-process.ts';

export const HYDRA_VERSION = 'v2.3.0';
const MODULE = 'github.com/ory/hydra/v2';

/** The `replace` directives of a go.mod (single-line and block forms) whose target is a module, not a local path. */
export function moduleReplaces(goMod: string): string[] {
  const replaces: string[] = [];
  let inBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (/^replace\s*\($/.test(line)) inBlock = true;
    else if (inBlock && line === ')') inBlock = false;
    else if (inBlock || line.startsWith('replace ')) {
      const directive = inBlock ? line : line.slice('replace '.length).trim();
      const target = directive.split('=>')[1]?.trim() ?? '';
      if (target && !/^[./]/.test(target)) replaces.push(`replace ${directive}`);
    }
  }
  return replaces;
}

/** The path of a built Hydra binary, building it first when the cache has none. */
export async function hydraBinary(): Promise<string> {
  const dir = path.join(peersCacheDir(), 'hydra', HYDRA_VERSION);
  const binary = path.join(dir, 'hydra');
  if (existsSync(binary)) return binary;
  await requireCommands(['go', 'gcc'], 'to build it from the Go module proxy');
  const wrapper = path.join(dir, 'wrapper');
  mkdirSync(wrapper, { recursive: true });
  const goEnv = { GOFLAGS: '-mod=mod', CGO_ENABLED: '1' };
  console.log(`  ${elapsed()} Ory Hydra: building ${MODULE}@${HYDRA_VERSION} from the Go module proxy (minutes)`);
  try {
    writeFileSync(path.join(wrapper, 'go.mod'), 'module castellan.local/hydra-build\n\ngo 1.24\n');
    const info = JSON.parse(
      await run('go', ['mod', 'download', '-json', `${MODULE}@${HYDRA_VERSION}`], { cwd: wrapper, env: goEnv }),
    ) as { GoMod?: string; Origin?: { Hash?: string } };
    if (!info.GoMod) throw new Error(`go mod download gave no go.mod for ${MODULE}@${HYDRA_VERSION}`);
    const replaces = moduleReplaces(readFileSync(info.GoMod, 'utf8'));
    writeFileSync(
      path.join(wrapper, 'go.mod'),
      ['module castellan.local/hydra-build', '', 'go 1.24', '', ...replaces, ''].join('\n'),
    );
    await run('go', ['get', '-tool', `${MODULE}@${HYDRA_VERSION}`], { cwd: wrapper, env: goEnv });
    const config = `${MODULE}/driver/config`;
    const ldflags = `-X ${config}.Version=${HYDRA_VERSION} -X ${config}.Commit=${info.Origin?.Hash ?? 'unknown'}`;
    await run(
      'nice',
      ['-n', '10', 'go', 'build', '-trimpath', '-tags', 'sqlite,sqlite_omit_load_extension'].concat([
        '-ldflags',
        ldflags,
        '-o',
        `${binary}.tmp`,
        MODULE,
      ]),
      { cwd: wrapper, env: goEnv },
    );
  } catch (error) {
    throw new PeerSkipped(`the build failed: ${(error as Error).message}`);
  }
  renameSync(`${binary}.tmp`, binary);
  console.log(`  ${elapsed()} Ory Hydra: built ${binary}`);
  return binary;
}
