package checker

import (
	"reflect"
	"testing"

	"github.com/fscachesim/fscachesim/model/fscache"
)

// TestCookieInSame: cookieIn.same is Go's == on the struct, field by
// field: changing any one field (or any bit of bits) makes the inputs
// differ, so a memoised verdict is never reused for inputs that changed.
// (A field left out of same would let checkCookie skip the rules on a
// step whose only change is that field.)
func TestCookieInSame(t *testing.T) {
	base := cookieIn{fl: 0x5, ref: 3, nAct: 1, nAcc: 2, vol: &fscache.Volume{}, inval: 4, gen: 6, st: fscache.CookieActive, bits: inOnChain | inPriv}
	if !base.same(&base) {
		t.Fatal("same(x, x) is false")
	}
	rt := reflect.TypeOf(base)
	for i := 0; i < rt.NumField(); i++ {
		o := base
		f := reflect.ValueOf(&o).Elem().Field(i)
		f = reflect.NewAt(f.Type(), f.Addr().UnsafePointer()).Elem() // unexported
		switch f.Kind() {
		case reflect.Uint64, reflect.Uint32, reflect.Uint8:
			for b := 0; b < f.Type().Bits(); b++ {
				o2 := base
				g := reflect.ValueOf(&o2).Elem().Field(i)
				g = reflect.NewAt(g.Type(), g.Addr().UnsafePointer()).Elem()
				g.SetUint(g.Uint() ^ 1<<b)
				if base.same(&o2) || o2.same(&base) {
					t.Errorf("cookieIn.same ignores bit %d of %s", b, rt.Field(i).Name)
				}
			}
			continue
		case reflect.Int64:
			f.SetInt(f.Int() + 1)
		case reflect.Pointer:
			f.Set(reflect.ValueOf(&fscache.Volume{}))
		default:
			t.Fatalf("cookieIn.%s: kind %v not covered by this test", rt.Field(i).Name, f.Kind())
		}
		if base.same(&o) || o.same(&base) {
			t.Errorf("cookieIn.same ignores %s", rt.Field(i).Name)
		}
	}
}
