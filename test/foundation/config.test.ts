import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  it('has working defaults: port 8080, issuer on localhost, embedded database', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.mongodbUri, null);
    assert.equal(config.demo, null);
    assert.equal(config.ferretdb.version, 'v1.24.2');
    assert.ok(path.isAbsolute(config.dataDir));
  });

  it('lets environment variables override files', () => {
    const config = loadConfig({
      PORT: '9090',
      PUBLIC_URL: 'https://id.example.com/',
      MONGODB_URI: 'mongodb://db.example.com:27017/castellan',
      CASTELLAN_DEMO: 'false',
      DATA_DIR: '/tmp/castellan-x',
    });
    assert.equal(config.port, 9090);
    assert.equal(config.publicUrl, 'https://id.example.com');
    assert.equal(config.mongodbUri, 'mongodb://db.example.com:27017/castellan');
    assert.equal(config.demo, false);
    assert.equal(config.dataDir, '/tmp/castellan-x');
  });

  it('reads an extra config file named by CASTELLAN_CONFIG, below the environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'castellan-config-'));
    const file = path.join(dir, 'local.json');
    writeFileSync(file, JSON.stringify({ port: 7000, tokenLifetimes: { accessTokenSeconds: 600 } }));
    const config = loadConfig({ CASTELLAN_CONFIG: file, PORT: '7001' });
    assert.equal(config.port, 7001);
    assert.equal(config.tokenLifetimes.accessTokenSeconds, 600);
    assert.equal(config.tokenLifetimes.idTokenSeconds, 43200, 'untouched settings keep their defaults');
  });

  it('names every bad value at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MONGODB_URI: 'http://not-mongo',
      LOG_LEVEL: 'loud',
      PUBLIC_URL: 'ftp://x',
    });
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('port:')));
    assert.ok(problems.some((p) => p.startsWith('mongodbUri:') && p.includes('mongodb://')));
    assert.ok(problems.some((p) => p.startsWith('logLevel:')));
    assert.ok(problems.some((p) => p.startsWith('publicUrl:')));
  });

  it('rejects a non-boolean CASTELLAN_DEMO, a malformed master key and a missing config file', () => {
    assert.match(problemsOf({ CASTELLAN_DEMO: 'maybe' })[0]!, /CASTELLAN_DEMO: expected true or false/);
    assert.match(problemsOf({ CASTELLAN_MASTER_KEY: 'short' })[0]!, /masterKey: must be 32 bytes/);
    assert.match(problemsOf({ CASTELLAN_CONFIG: '/nonexistent/castellan.json' })[0]!, /does not exist/);
  });

  it('reports a config file that is not JSON', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'castellan-config-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ port: ');
    assert.match(problemsOf({ CASTELLAN_CONFIG: file })[0]!, /broken\.json/);
  });

  it("takes the sandbox threads' idle time from ACTIONS_THREAD_IDLE_SECONDS, and refuses one out of range", () => {
    assert.equal(loadConfig({}).actions.threadIdleSeconds, 60);
    assert.equal(loadConfig({ ACTIONS_THREAD_IDLE_SECONDS: '5' }).actions.threadIdleSeconds, 5);
    assert.match(problemsOf({ ACTIONS_THREAD_IDLE_SECONDS: '0' })[0]!, /^actions\.threadIdleSeconds:/);
    assert.match(problemsOf({ ACTIONS_THREAD_IDLE_SECONDS: 'soon' })[0]!, /^actions\.threadIdleSeconds:/);
  });
});
