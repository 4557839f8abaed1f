// Castellan's addition to the SQLite driver FerretDB v1.24.2 uses (modernc.org/sqlite v1.32.0), copied into
// the driver's package by tools/ferretdb/build.ts; why and what it saves: docs/ferretdb.md, patch 4.
//
// The driver prepares every SQL text again on every call and finalizes it after (sqlite.go, stmt.exec and
// stmt.query), so SQLite parses and plans the same few queries (BEGIN, COMMIT, a find, an insert) thousands of
// times a second. Each connection here keeps the statements it finalized, reset and with their bindings cleared,
// keyed by their SQL text, and hands one back instead of preparing that text again. SQLite re-prepares a kept
// statement by itself when the schema changed (https://sqlite.org/c3ref/prepare.html, sqlite3_prepare_v2), and a
// reset statement holds no lock and no read transaction (https://sqlite.org/c3ref/reset.html).

package sqlite

import (
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// castellanCachedStatements bounds each connection's kept statements: queries differ by table and by the number
// of values in an `IN (…)` list or an insert, and a kept statement costs a few kB of SQLite's memory.
const castellanCachedStatements = 64

// castellanLongestCachedSQL leaves out long texts (an `IN (…)` list or an insert of a few hundred values): they
// rarely repeat, and SQLite's memory for a statement grows with its text.
const castellanLongestCachedSQL = 1024

type castellanStatementCache struct {
	idle  map[string]uintptr // reset statements, by the SQL text they were prepared from
	inUse map[uintptr]string // statements handed out that may be kept when finalized
}

// castellanTake returns a kept statement for the SQL text at *zSQL, moving *zSQL past that text, or 0.
func (c *conn) castellanTake(zSQL *uintptr) uintptr {
	if len(c.castellan.idle) == 0 {
		return 0
	}
	sql := libc.GoString(*zSQL)
	pstmt, found := c.castellan.idle[sql]
	if !found {
		return 0
	}
	delete(c.castellan.idle, sql)
	c.castellan.inUse[pstmt] = sql
	*zSQL += uintptr(len(sql))
	return pstmt
}

// castellanPrepared notes a statement just prepared from start as one to keep when it is the whole rest of the
// text (tail at its end): the part of a text of several statements before the last one is never kept.
func (c *conn) castellanPrepared(start, pstmt, tail uintptr) uintptr {
	if pstmt == 0 || *(*byte)(unsafe.Pointer(tail)) != 0 || tail-start > castellanLongestCachedSQL {
		return pstmt
	}
	if c.castellan.inUse == nil {
		c.castellan.idle = map[string]uintptr{}
		c.castellan.inUse = map[uintptr]string{}
	}
	c.castellan.inUse[pstmt] = libc.GoString(start)
	return pstmt
}

// castellanKeep resets a statement being finalized and keeps it; false when the caller must finalize it.
func (c *conn) castellanKeep(pstmt uintptr) bool {
	sql, cacheable := c.castellan.inUse[pstmt]
	if !cacheable {
		return c.castellanIsKept(pstmt)
	}
	delete(c.castellan.inUse, pstmt)
	if _, kept := c.castellan.idle[sql]; kept {
		return false
	}
	if len(c.castellan.idle) >= castellanCachedStatements {
		// Go's map order is random: evicting the first entry drops a random statement, so the few hot ones
		// survive a stream of one-off texts without an LRU's bookkeeping on every call.
		for evicted, evictedStmt := range c.castellan.idle {
			delete(c.castellan.idle, evicted)
			sqlite3.Xsqlite3_finalize(c.tls, evictedStmt)
			break
		}
	}
	// Their results were reported by the step that failed; reset only ends the statement.
	sqlite3.Xsqlite3_reset(c.tls, pstmt)
	sqlite3.Xsqlite3_clear_bindings(c.tls, pstmt)
	c.castellan.idle[sql] = pstmt
	return true
}

// castellanIsKept tells whether a statement is already kept: the driver's stmt.query finalizes a statement a
// second time when newRows fails after its own Close did (sqlite.go), and a kept statement finalized would be
// handed out again freed. Statements outside the cache are the long texts only, so this scan of at most
// castellanCachedStatements entries is rare.
func (c *conn) castellanIsKept(pstmt uintptr) bool {
	for _, kept := range c.castellan.idle {
		if kept == pstmt {
			return true
		}
	}
	return false
}

// castellanFinalizeAll finalizes the kept statements before the connection closes.
func (c *conn) castellanFinalizeAll() {
	for _, pstmt := range c.castellan.idle {
		sqlite3.Xsqlite3_finalize(c.tls, pstmt)
	}
	c.castellan.idle = nil
	c.castellan.inUse = nil
}
