// `node bench/profile-summary.ts <file.cpuprofile>…`: where a profiled Castellan process spent its CPU,
// by function (self time) and by package, to point at the hot spots behind the bench's figures.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TOP = 25;

function where(url: string): string {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0)
    return url
      .slice(modules + 'node_modules/'.length)
      .split('/')
      .slice(0, url.includes('node_modules/@') ? 2 : 1)
      .join('/');
  if (url.startsWith('node:')) return 'node core';
  return path.relative(process.cwd(), url.replace(/^file:\/\//, ''));
}

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) =>
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000),
  );
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const line = frame.url ? `:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where(frame.url)}${line}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byPlace.set(where(frame.url), (byPlace.get(where(frame.url)) ?? 0) + ms);
  }
  const rows = (map: Map<string, number>): string =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(
        ([name, ms]) => `  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`,
      )
      .join('\n');
  console.log(
    `\n${file}: ${total.toFixed(0)} ms busy, ${idle.toFixed(0)} ms idle\n` +
      `By package or file:\n${rows(byPlace)}\nBy function (self time):\n${rows(byFunction)}`,
  );
}
