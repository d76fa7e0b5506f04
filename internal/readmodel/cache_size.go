package readmodel

import "reflect"

// sizeOf estimates the bytes v holds, following pointers, slices, maps and interfaces:
// what the read cache counts against its bound. It is an estimate (allocator rounding
// and map buckets are not counted, values shared between entries are counted in each),
// close enough to bound memory without a reader having to say what it keeps.
func sizeOf(v any) int {
	if v == nil {
		return 0
	}
	rv := reflect.ValueOf(v)
	return int(rv.Type().Size()) + deepSize(rv, 0)
}

// maxSizeDepth stops the walk in a structure deeper than anything the cache keeps (and
// in a cycle, which nothing it keeps has).
const maxSizeDepth = 12

// deepSize is what v refers to beyond its own Type().Size().
func deepSize(v reflect.Value, depth int) int {
	if depth > maxSizeDepth {
		return 0
	}
	switch v.Kind() {
	case reflect.String:
		return v.Len()
	case reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		return int(v.Type().Elem().Size()) + deepSize(v.Elem(), depth+1)
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		return int(e.Type().Size()) + deepSize(e, depth+1)
	case reflect.Slice:
		if v.IsNil() {
			return 0
		}
		n := v.Cap() * int(v.Type().Elem().Size())
		if refers(v.Type().Elem()) {
			for i := range v.Len() {
				n += deepSize(v.Index(i), depth+1)
			}
		}
		return n
	case reflect.Array:
		n := 0
		if refers(v.Type().Elem()) {
			for i := range v.Len() {
				n += deepSize(v.Index(i), depth+1)
			}
		}
		return n
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += deepSize(v.Field(i), depth+1)
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return 0
		}
		n := v.Len() * int(v.Type().Key().Size()+v.Type().Elem().Size())
		it := v.MapRange()
		for it.Next() {
			n += deepSize(it.Key(), depth+1) + deepSize(it.Value(), depth+1)
		}
		return n
	}
	return 0
}

// refers reports whether a value of type t can refer to memory beyond itself.
func refers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return refers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if refers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}
