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
//
// Date ranges (`$lt`, `$lte`, `$gt`, `$gte` with a date) on any top-level field are pushed down too, indexed or
// not: SQLite then still reads every row, but only the rows in range are decoded and filtered in Go, which is what
// made a sweep of expired documents cost about 30 µs of FerretDB's CPU per stored document (docs/ferretdb.md).

package sqlite

import (
	"fmt"
	"regexp"
	"strings"
	"time"

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
// lists on indexed scalar top-level fields and its date ranges on any top-level field, or an empty clause when
// there are none.
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
		if rangeConditions, rangeArgs := castellanDateRange(field, must.NotFail(filter.Get(field))); rangeConditions != nil {
			conditions = append(conditions, rangeConditions...)
			args = append(args, rangeArgs...)

			continue
		}

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

// castellanPlainField matches the field names a date range is pushed down for: written into a JSON path
// literal, they need no quoting.
var castellanPlainField = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// castellanRangeOperators are the comparisons a date range is made of, as SQLite writes them.
var castellanRangeOperators = map[string]string{"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}

// castellanDateRange returns one condition per comparison with a date in `{f: {$lt: date, ...}}`, or nil
// when the value is anything else (an operator other than the four, or no date at all). A date is stored as
// its milliseconds since the epoch, a JSON integer (internal/handler/sjson), so a stored date is compared as
// MongoDB compares it. A comparison with a date matches dates only (and arrays holding one), never a missing
// field, null, a string, a double or an embedded document: the clause keeps the JSON integers in range (a date,
// or a number the handler's filter then drops) and every array, a superset of the matches, as pushdown must.
func castellanDateRange(field string, value any) ([]string, []any) {
	condition, ok := value.(*types.Document)
	if !ok || condition.Len() == 0 || !castellanPlainField.MatchString(field) {
		return nil, nil
	}

	path := fmt.Sprintf("'$.%s'", field)

	var conditions []string
	var args []any

	for _, operator := range condition.Keys() {
		comparison, known := castellanRangeOperators[operator]
		if !known {
			return nil, nil
		}

		bound, isDate := must.NotFail(condition.Get(operator)).(time.Time)
		if !isDate {
			continue
		}

		conditions = append(conditions, fmt.Sprintf(
			"(json_type(%[1]s, %[2]s) = 'array' OR (json_type(%[1]s, %[2]s) = 'integer' AND %[1]s->>%[2]s %[3]s ?))",
			metadata.DefaultColumn, path, comparison,
		))
		args = append(args, bound.UnixMilli())
	}

	return conditions, args
}
