// Castellan's changes to FerretDB v1.24.2's source, applied by build.ts before it compiles FerretDB.
// Why each exists, with the measurements: docs/ferretdb.md.
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class FerretdbBuildError extends Error {}

/** One replacement in FerretDB's source tree: `from` must occur exactly once in `file`. */
interface SourcePatch {
  file: string;
  from: string;
  to: string;
}

const SQLITE_BACKEND = 'internal/backends/sqlite';
const QUERY_WHERE = '\tq += whereClause\n\tq += prepareOrderByClause(params.Sort)';
const EXPLAIN_WHERE = '\torderByClause := prepareOrderByClause(params.Sort)';
const PUSHDOWN_WHEN_NO_ID_FILTER =
  '\tif whereClause == "" {\n\t\twhereClause, args = castellanEqualityPushdown(meta, params.Filter)\n';
const TRACK = 'func Track(obj any, token *Token) {\n';
const UNTRACK = 'func Untrack(obj any, token *Token) {\n';
const RELEASE_BUILD_RETURNS = '\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n\n';

/** The SQLite driver FerretDB v1.24.2 requires, built from a patched copy in the source tree (a `replace`). */
export const SQLITE_DRIVER = { module: 'modernc.org/sqlite', version: 'v1.32.0', copy: 'castellan/sqlite' };
const DRIVER = `${SQLITE_DRIVER.copy}/sqlite.go`;
const PREPARE = 'func (c *conn) prepareV2(zSQL *uintptr) (pstmt uintptr, err error) {\n';
const PREPARED = '\t\t\t*zSQL = *(*uintptr)(unsafe.Pointer(pptail))\n';
const FINALIZE = 'func (c *conn) finalize(pstmt uintptr) error {\n';
const SJSON_UNMARSHAL = 'func Unmarshal(data []byte) (*types.Document, error) {';
const CLOSE = '\tif c.db != 0 {\n\t\tif err := c.closeV2(c.db); err != nil {';

const PATCHES: SourcePatch[] = [
  // The `_id` look-up uses the `_id` index's own expression: SQLite uses an expression index only for the
  // identical expression, and FerretDB looks `_id` up with `->'$._id'` while the index is on `->"_id"`.
  {
    file: `${SQLITE_BACKEND}/metadata/metadata.go`,
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: 'IDColumn = DefaultColumn + `->"_id"`',
  },
  // FerretDB pushes no filter down but `{_id}`: pushdown.go adds equality on indexed scalar fields.
  {
    file: `${SQLITE_BACKEND}/collection.go`,
    from: QUERY_WHERE,
    to: `${PUSHDOWN_WHEN_NO_ID_FILTER}\t}\n\n${QUERY_WHERE}`,
  },
  // Explain shows the same WHERE clause and SQLite's plan for it.
  {
    file: `${SQLITE_BACKEND}/collection.go`,
    from: EXPLAIN_WHERE,
    to: `${PUSHDOWN_WHEN_NO_ID_FILTER}\t\tfilterPushdown = whereClause != ""\n\t}\n\n${EXPLAIN_WHERE}`,
  },
  // The leak detector (a stack in a pprof profile and a panicking finalizer per iterator and transaction) is a
  // developer's tool that only costs in a release build: tracking stops there, as FerretDB's `debugbuild` switch
  // already does for the stacks it keeps.
  { file: 'internal/util/resource/resource.go', from: TRACK, to: TRACK + RELEASE_BUILD_RETURNS },
  { file: 'internal/util/resource/resource.go', from: UNTRACK, to: UNTRACK + RELEASE_BUILD_RETURNS },
  // The driver keeps each connection's prepared statements for reuse instead of parsing every query again
  // (statement-cache.go): the hooks where it prepares, finalizes and closes.
  {
    file: DRIVER,
    from: '\tbeginMode       string\n}',
    to: '\tbeginMode       string\n\tcastellan       castellanStatementCache\n}',
  },
  {
    file: DRIVER,
    from: PREPARE,
    to: `${PREPARE}\tif pstmt = c.castellanTake(zSQL); pstmt != 0 {\n\t\treturn pstmt, nil\n\t}\n\tstart := *zSQL\n`,
  },
  {
    file: DRIVER,
    from: `${PREPARED}\t\t\treturn *(*uintptr)(unsafe.Pointer(ppstmt)), nil`,
    to: `${PREPARED}\t\t\treturn c.castellanPrepared(start, *(*uintptr)(unsafe.Pointer(ppstmt)), *zSQL), nil`,
  },
  { file: DRIVER, from: FINALIZE, to: `${FINALIZE}\tif c.castellanKeep(pstmt) {\n\t\treturn nil\n\t}\n` },
  { file: DRIVER, from: CLOSE, to: `\tc.castellanFinalizeAll()\n${CLOSE}` },
  // Stored documents are decoded in one pass over FerretDB's own compact output (sjson-decode.go, which defines
  // Unmarshal); FerretDB's decoder stays for everything else.
  {
    file: 'internal/handler/sjson/sjson.go',
    from: SJSON_UNMARSHAL,
    to: SJSON_UNMARSHAL.replace('Unmarshal', 'castellanStandardUnmarshal'),
  },
];

/** Go files of Castellan's own, added to FerretDB's SQLite backend and to the driver (their comments say why). */
const GO_FILES = [
  { source: path.join(import.meta.dirname, 'pushdown.go'), target: `${SQLITE_BACKEND}/castellan_pushdown.go` },
  {
    source: path.join(import.meta.dirname, 'statement-cache.go'),
    target: `${SQLITE_DRIVER.copy}/castellan_statement_cache.go`,
  },
  { source: path.join(import.meta.dirname, 'sjson-decode.go'), target: 'internal/handler/sjson/castellan_decode.go' },
];

/** Names the build: a binary built with other patches lands in another cache folder. */
export function patchesHash(): string {
  const hash = createHash('sha256').update(JSON.stringify(PATCHES));
  for (const { source } of GO_FILES) hash.update('\0').update(readFileSync(source));
  return hash.digest('hex').slice(0, 12);
}

export function applyPatches(sourceDir: string): void {
  for (const { file, from, to } of PATCHES) {
    const target = path.join(sourceDir, file);
    const source = readFileSync(target, 'utf8');
    if (source.split(from).length !== 2)
      throw new FerretdbBuildError(`Cannot patch ${target}: the FerretDB source differs from v1.24.2`);
    writeFileSync(target, source.replace(from, to));
  }
  for (const { source, target } of GO_FILES) cpSync(source, path.join(sourceDir, target));
}
