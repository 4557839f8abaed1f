// Castellan's addition to FerretDB v1's SQLite backend (copied into internal/backends/sqlite by
// tools/ferretdb/patches.ts when tools/ferretdb/build.ts builds FerretDB; see docs/ferretdb.md).
//
// FerretDB v1 hands SQLite a WHERE clause only for a filter that is exactly {_id: value}; any other
// filter reads the whole table and is evaluated in Go. This pushes down, in addition, equality and `$in`
// on the top-level fields an index covers, written exactly as the index expression so SQLite uses the
// index. The handler still evaluates the whole filter on every document SQLite returns, so the WHERE
// clause only has to return a superset of the matches. It does, unless a document holds an array in such
// a field ({f: "x"} also matches f: ["x", "y"], which `->` does not see): indexes on fields that may hold
// arrays are named with the suffix `_multikey`, and their fields are never pushed down.

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// castellanMultikeySuffix marks an index whose fields may hold arrays.
const castellanMultikeySuffix = "_multikey"

// castellanMaxInValues bounds the `$in` lists pushed down, far below SQLite's limit of 32,766 parameters
// per statement; a longer list is evaluated in Go, as without this file.
const castellanMaxInValues = 1000

// castellanEqualityPushdown returns a WHERE clause and its arguments for the filter's equalities and `$in`
// lists on indexed scalar top-level fields, or an empty clause when there are none.
func castellanEqualityPushdown(meta *metadata.Collection, filter *types.Document) (string, []any) {
	if meta == nil || filter.Len() == 0 {
		return "", nil
	}

	indexed := map[string]bool{}
	mayHoldArrays := map[string]bool{}

	for _, index := range meta.Settings.Indexes {
		for _, key := range index.Key {
			indexed[key.Field] = true

			if strings.HasSuffix(index.Name, castellanMultikeySuffix) {
				mayHoldArrays[key.Field] = true
			}
		}
	}

	var conditions []string
	var args []any

	for _, field := range filter.Keys() {
		if strings.ContainsAny(field, ".$") || !indexed[field] || mayHoldArrays[field] {
			continue
		}

		column := fmt.Sprintf("%s->%q", metadata.DefaultColumn, field)
		if field == "_id" {
			column = metadata.IDColumn
		}

		value := must.NotFail(filter.Get(field))

		if castellanPushable(field, value) {
			conditions = append(conditions, column+" = ?")
			args = append(args, string(must.NotFail(sjson.MarshalSingleValue(value))))

			continue
		}

		if values := castellanInValues(field, value); values != nil {
			placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")
			conditions = append(conditions, column+" IN ("+placeholders+")")
			args = append(args, values...)
		}
	}

	if len(conditions) == 0 {
		return "", nil
	}

	return " WHERE " + strings.Join(conditions, " AND "), args
}

// castellanPushable reports whether the field's value is stored under the index's expression as SQLite
// compares it: a string, or an ObjectID for `_id`.
func castellanPushable(field string, value any) bool {
	switch value.(type) {
	case string:
		return true
	case types.ObjectID:
		return field == "_id"
	default:
		return false
	}
}

// castellanInValues returns the marshalled values of a `{$in: [...]}` condition whose values can all be
// pushed down, or nil when the condition is anything else.
func castellanInValues(field string, value any) []any {
	condition, ok := value.(*types.Document)
	if !ok || condition.Len() != 1 || condition.Keys()[0] != "$in" {
		return nil
	}

	list, ok := must.NotFail(condition.Get("$in")).(*types.Array)
	if !ok || list.Len() == 0 || list.Len() > castellanMaxInValues {
		return nil
	}

	values := make([]any, list.Len())

	for i := range list.Len() {
		element := must.NotFail(list.Get(i))
		if !castellanPushable(field, element) {
			return nil
		}

		values[i] = string(must.NotFail(sjson.MarshalSingleValue(element)))
	}

	return values
}
