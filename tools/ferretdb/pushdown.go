// Castellan's addition to FerretDB v1's SQLite backend (copied into internal/backends/sqlite by
// tools/ferretdb/patches.ts when tools/ferretdb/build.ts builds FerretDB; see docs/ferretdb.md).
//
// FerretDB v1 hands SQLite a WHERE clause only for a filter that is exactly {_id: value}; any other
// filter reads the whole table and is evaluated in Go. This pushes down, in addition, equality on the
// top-level fields an index covers, written exactly as the index expression so SQLite uses the index.
// The handler still evaluates the whole filter on every document SQLite returns, so the WHERE clause
// only has to return a superset of the matches. It does, unless a document holds an array in such a
// field ({f: "x"} also matches f: ["x", "y"], which `->` does not see): indexes on fields that may hold
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

// castellanEqualityPushdown returns a WHERE clause and its arguments for the filter's equalities on
// indexed scalar top-level fields, or an empty clause when there are none.
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

		value := must.NotFail(filter.Get(field))
		_, isString := value.(string)
		_, isObjectID := value.(types.ObjectID)

		switch {
		case field == "_id" && (isString || isObjectID):
			conditions = append(conditions, metadata.IDColumn+" = ?")
		case isString:
			conditions = append(conditions, fmt.Sprintf("%s->%q = ?", metadata.DefaultColumn, field))
		default:
			continue
		}

		args = append(args, string(must.NotFail(sjson.MarshalSingleValue(value))))
	}

	if len(conditions) == 0 {
		return "", nil
	}

	return " WHERE " + strings.Join(conditions, " AND "), args
}
