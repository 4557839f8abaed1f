// Castellan's addition to FerretDB v1.24.2's sjson package (internal/handler/sjson), copied there by
// tools/ferretdb/build.ts; why and what it saves: docs/ferretdb.md, patch 5.
//
// FerretDB decodes every stored document with encoding/json in passes: the whole document into a map of raw
// values, the schema from its `$s` raw value, then each raw value again with a new json.Decoder (and its buffer),
// and each nested document or array once more at every level. Here one pass over the bytes FerretDB's own
// Marshal writes (compact, the schema first, then the fields in the schema's order) splits the values in place
// and converts each one the way encoding/json would; a schema text seen before is not decoded again. Anything
// else (whitespace, a key with an escape, another key order, a value of an unexpected form) goes to FerretDB's
// own decoder, which also reports every error, so the result is FerretDB's in every case.

package sjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// Unmarshal decodes the top-level document (FerretDB's own decoder is castellanStandardUnmarshal).
func Unmarshal(data []byte) (*types.Document, error) {
	if doc, ok := castellanUnmarshal(data); ok {
		return doc, nil
	}

	return castellanStandardUnmarshal(data)
}

// castellanSchemas keeps decoded schemas by their exact text: documents of a collection mostly share a few.
// A schema is only read after decoding. The map is emptied when full rather than tracking use.
var castellanSchemas = struct {
	sync.RWMutex
	byText map[string]*schema
}{byText: map[string]*schema{}}

const castellanSchemasKept = 512

// castellanSchema returns the schema of that text, or false when the text is not one the fast path takes.
func castellanSchema(text []byte) (*schema, bool) {
	castellanSchemas.RLock()
	sch, ok := castellanSchemas.byText[string(text)]
	castellanSchemas.RUnlock()

	if ok {
		return sch, sch != nil
	}

	sch = new(schema)
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()

	// A schema repeating a key is left to FerretDB's decoder, which counts fields in a map.
	if dec.Decode(sch) != nil || dec.More() || !castellanUniqueKeys(sch) {
		sch = nil
	}

	castellanSchemas.Lock()
	if len(castellanSchemas.byText) >= castellanSchemasKept {
		clear(castellanSchemas.byText)
	}
	castellanSchemas.byText[string(text)] = sch
	castellanSchemas.Unlock()

	return sch, sch != nil
}

func castellanUniqueKeys(sch *schema) bool {
	seen := make(map[string]struct{}, len(sch.Keys))
	for _, key := range sch.Keys {
		if _, dup := seen[key]; dup {
			return false
		}

		seen[key] = struct{}{}
	}

	for _, el := range sch.Properties {
		if !castellanUniqueElemKeys(el) {
			return false
		}
	}

	return true
}

func castellanUniqueElemKeys(el *elem) bool {
	if el == nil {
		return true
	}

	if el.Schema != nil && !castellanUniqueKeys(el.Schema) {
		return false
	}

	for _, item := range el.Items {
		if !castellanUniqueElemKeys(item) {
			return false
		}
	}

	return true
}

// castellanReader walks compact, valid JSON (checked by json.Valid first) without copying it.
type castellanReader struct {
	data []byte
	pos  int
}

// value returns the next value's bytes: a string, number, literal, object or array.
func (r *castellanReader) value() []byte {
	start := r.pos
	depth := 0

	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.skipString()
		case c == '{' || c == '[':
			depth++
			r.pos++
		case c == '}' || c == ']':
			if depth == 0 {
				return r.data[start:r.pos]
			}
			depth--
			r.pos++
		case c == ',' && depth == 0:
			return r.data[start:r.pos]
		default:
			r.pos++
		}

		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return r.data[start:r.pos]
		}
	}

	return r.data[start:r.pos]
}

// skipString moves past the string starting at pos.
func (r *castellanReader) skipString() {
	r.pos++
	for r.data[r.pos] != '"' {
		if r.data[r.pos] == '\\' {
			r.pos++
		}
		r.pos++
	}
	r.pos++
}

// key returns the next key's text between its quotes and moves past the colon; false if it has an escape.
func (r *castellanReader) key() ([]byte, bool) {
	if r.pos >= len(r.data) || r.data[r.pos] != '"' {
		return nil, false
	}

	start := r.pos
	r.skipString()
	text := r.data[start+1 : r.pos-1]

	return text, r.next(':') && bytes.IndexByte(text, '\\') < 0
}

func (r *castellanReader) next(c byte) bool {
	if r.pos < len(r.data) && r.data[r.pos] == c {
		r.pos++
		return true
	}

	return false
}

// fields reads the values of the schema's keys in its order, each after a comma (the first too when a key came
// before, as "$s" does in a top-level document), then the brace that ends the data.
func (r *castellanReader) fields(sch *schema, afterKey bool) (*types.Document, bool) {
	doc := must.NotFail(types.NewDocument())
	for i, key := range sch.Keys {
		if (afterKey || i > 0) && !r.next(',') {
			return nil, false
		}

		v, ok := r.field(key, sch.Properties[key])
		if !ok {
			return nil, false
		}

		doc.Set(key, v)
	}

	return doc, r.next('}') && r.pos == len(r.data)
}

func castellanUnmarshal(data []byte) (*types.Document, bool) {
	if !json.Valid(data) || bytes.ContainsAny(data, " \t\r\n") && castellanSpaceOutsideStrings(data) {
		return nil, false
	}

	r := castellanReader{data: data}
	if !r.next('{') {
		return nil, false
	}

	if key, ok := r.key(); !ok || string(key) != "$s" {
		return nil, false
	}

	sch, ok := castellanSchema(r.value())
	if !ok {
		return nil, false
	}

	return r.fields(sch, true)
}

// castellanSpaceOutsideStrings tells whether data has whitespace between tokens (not FerretDB's Marshal output).
func castellanSpaceOutsideStrings(data []byte) bool {
	r := castellanReader{data: data}
	for r.pos < len(data) {
		switch data[r.pos] {
		case '"':
			r.skipString()
		case ' ', '\t', '\r', '\n':
			return true
		default:
			r.pos++
		}
	}

	return false
}

// field reads `"key":value` where the key must be the schema's next one.
func (r *castellanReader) field(want string, sch *elem) (any, bool) {
	key, ok := r.key()
	if !ok || string(key) != want {
		return nil, false
	}

	return castellanValue(r.value(), sch)
}

// castellanValue converts one value as unmarshalSingleValue does (sjson.go), or returns false.
func castellanValue(data []byte, sch *elem) (any, bool) {
	if string(data) == "null" {
		return types.Null, true
	}

	if sch == nil {
		return nil, false
	}

	switch sch.Type {
	case elemTypeObject:
		if sch.Schema == nil {
			return nil, false
		}
		return castellanDocument(data, sch.Schema)
	case elemTypeArray:
		if sch.Items == nil {
			return nil, false
		}
		return castellanArray(data, sch.Items)
	case elemTypeString:
		return castellanString(data)
	case elemTypeBool:
		switch string(data) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return nil, false
	case elemTypeDouble:
		return castellanNumber(data, func(s string) (any, error) { return strconv.ParseFloat(s, 64) })
	case elemTypeInt:
		return castellanNumber(data, func(s string) (any, error) {
			n, err := strconv.ParseInt(s, 10, 32)
			return int32(n), err
		})
	case elemTypeLong:
		return castellanNumber(data, func(s string) (any, error) { return strconv.ParseInt(s, 10, 64) })
	case elemTypeDate:
		return castellanNumber(data, func(s string) (any, error) {
			n, err := strconv.ParseInt(s, 10, 64)
			return time.UnixMilli(n), err
		})
	case elemTypeNull:
		return nil, false
	}

	// Types Castellan rarely stores (binData, objectId, regex, timestamp) keep FerretDB's own conversion.
	v, err := unmarshalSingleValue(data, sch)

	return v, err == nil
}

// castellanNumber parses a JSON number as encoding/json does for a float64 (ParseFloat) or an integer
// (ParseInt, base 10, an overflow being an error); a string or literal in its place goes to FerretDB's decoder.
func castellanNumber(data []byte, parse func(string) (any, error)) (any, bool) {
	if len(data) == 0 || (data[0] != '-' && (data[0] < '0' || data[0] > '9')) {
		return nil, false
	}

	v, err := parse(string(data))

	return v, err == nil
}

// castellanString returns a string without escapes as is; encoding/json decodes the others.
func castellanString(data []byte) (any, bool) {
	if len(data) < 2 || data[0] != '"' {
		return nil, false
	}

	text := data[1 : len(data)-1]
	if bytes.IndexByte(text, '\\') < 0 && utf8.Valid(text) {
		return string(text), true
	}

	var s string
	if json.Unmarshal(data, &s) != nil {
		return nil, false
	}

	return s, true
}

func castellanDocument(data []byte, sch *schema) (any, bool) {
	r := castellanReader{data: data}
	if !r.next('{') {
		return nil, false
	}

	if r.next('}') {
		return new(types.Document), true // documentType{} in documentType.UnmarshalJSONWithSchema
	}

	if len(sch.Keys) == 0 {
		return nil, false
	}

	doc, ok := r.fields(sch, false)
	if !ok {
		return nil, false
	}

	return doc, true
}

func castellanArray(data []byte, items []*elem) (any, bool) {
	r := castellanReader{data: data}
	if !r.next('[') {
		return nil, false
	}

	arr := types.MakeArray(len(items))
	for i, item := range items {
		if i > 0 && !r.next(',') {
			return nil, false
		}

		v, ok := castellanValue(r.value(), item)
		if !ok {
			return nil, false
		}

		arr.Append(v)
	}

	return arr, r.next(']') && r.pos == len(data)
}
