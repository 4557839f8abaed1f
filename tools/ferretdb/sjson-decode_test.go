// A check of sjson-decode.go against FerretDB's own decoder, and the benchmark quoted in docs/ferretdb.md
// (patch 5). It runs inside FerretDB's source tree with the patches applied, in a git checkout (FerretDB's test
// helpers look for .git): copy it to internal/handler/sjson/castellan_decode_test.go there, then
// `go test ./internal/handler/sjson/` and `go test -run XXX -bench Castellan -benchmem ./internal/handler/sjson/`.

package sjson

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

func castellanCompare(t *testing.T, name string, doc *types.Document, wantFast bool) {
	b, err := Marshal(doc)
	if err != nil {
		t.Logf("%s: marshal error %v (skipped)", name, err)
		return
	}
	want, wantErr := castellanStandardUnmarshal(b)
	got, fast := castellanUnmarshal(b)
	if wantErr != nil {
		assert.False(t, fast, name)
		return
	}
	if wantFast {
		assert.True(t, fast, "%s: %s", name, b)
	}
	if fast {
		assert.Equal(t, want, got, "%s: %s", name, b)
		b1, err := Marshal(want)
		require.NoError(t, err)
		b2, err := Marshal(got)
		require.NoError(t, err)
		assert.Equal(t, string(b1), string(b2), name)
	}
}

func TestCastellanDecodeSameAsFerretDB(t *testing.T) {
	var all []testCase
	for _, cases := range [][]testCase{arrayTestCases, binaryTestCases, boolTestCases, dateTimeTestCases,
		documentTestCases, doubleTestCases, int32TestCases, int64TestCases, objectIDTestCases, regexTestCases} {
		all = append(all, cases...)
	}
	n := 0
	for _, tc := range all {
		if tc.v == nil || tc.jErr != "" {
			continue
		}
		v := fromSJSON(tc.v)
		castellanCompare(t, tc.name, must.NotFail(types.NewDocument("v", v, "w", must.NotFail(types.NewArray(v, v)))), false)
		if d, ok := v.(*types.Document); ok {
			castellanCompare(t, tc.name+"/doc", d, false)
		}
		n++
	}
	awkward := must.NotFail(types.NewDocument(
		"_id", "abc",
		"negZero", math.Copysign(0, -1),
		"maxF", math.MaxFloat64, "minF", math.SmallestNonzeroFloat64, "frac", 0.1, "big", 1e21, "small", 1e-7,
		"i32max", int32(math.MaxInt32), "i32min", int32(math.MinInt32),
		"i64max", int64(math.MaxInt64), "i64min", int64(math.MinInt64),
		"date", time.UnixMilli(1700000000123), "dateNeg", time.UnixMilli(-62135596800000),
		"uni", "é\u2028\u2029<>&\"\\/\t\x01 😀 \ufffd", "bad", "a\xffb",
		"ключ é", "v", "t", true, "f", false, "n", types.Null,
		"oid", types.ObjectID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		"bin", types.Binary{Subtype: types.BinaryGeneric, B: []byte{0, 1, 255}},
		"re", types.Regex{Pattern: "^a.*\"", Options: "i"},
		"ts", types.Timestamp(42),
		"emptyDoc", must.NotFail(types.NewDocument()), "emptyArr", must.NotFail(types.NewArray()),
		"nested", must.NotFail(types.NewDocument("a", must.NotFail(types.NewArray(
			types.Null, int32(1), "x", must.NotFail(types.NewDocument("b", must.NotFail(types.NewArray()))))),
			"c", must.NotFail(types.NewDocument("d", 1.5)))),
	))
	castellanCompare(t, "awkward", awkward, true)
	t.Logf("%d cases", n)
}

func castellanBenchDoc() []byte {
	payload := must.NotFail(types.NewDocument(
		"iat", int32(1700000000), "exp", int32(1702592000), "accountId", "287654321098765432",
		"acr", "urn:zitadel:loa:1", "amr", must.NotFail(types.NewArray("pwd", "otp")),
		"authTime", int32(1700000000), "claims", must.NotFail(types.NewDocument()),
		"clientId", "287654321098765433@castellan", "grantId", "Zq3x8Jk2mN5pQ7rT9vW1yA3cE5gI7kM9",
		"gty", "authorization_code refresh_token", "kind", "RefreshToken", "jti", "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9",
		"rotations", int32(3), "scope", "openid profile email offline_access", "sessionUid", "Xy7Zw5Vu3Ts1Rq9Po7Nm5Lk3",
		"sid", "Ab1Cd3Ef5Gh7Ij9Kl1Mn3Op5", "consumed", false, "expiresWithSession", true,
		"iiat", int32(1699990000), "ttl", float64(2592000),
	))
	doc := must.NotFail(types.NewDocument(
		"_id", "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9", "payload", payload,
		"grantId", "Zq3x8Jk2mN5pQ7rT9vW1yA3cE5gI7kM9", "userCode", types.Null,
		"expiresAt", time.UnixMilli(1702592000000), "tenantId", "287654321098765430",
	))
	return must.NotFail(Marshal(doc))
}

func BenchmarkCastellanDecode(b *testing.B) {
	data := castellanBenchDoc()
	b.Logf("%d bytes", len(data))
	b.Run("ferretdb", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			must.NotFail(castellanStandardUnmarshal(data))
		}
	})
	b.Run("castellan", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			must.NotFail(Unmarshal(data))
		}
	})
}
