package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// The catalogue operations answer 10 rows when no limit is asked ("每次查询的数量，默认值为
// 10"). The fixed catalogue is shorter than that, so the test grows it.
func TestCatalogueDefaultLimit(t *testing.T) {
	r := newSignedRig(t, DefaultOptions())
	c := &r.s.st.catalog
	for i := range 12 {
		c.serviceTypes = append(c.serviceTypes, serviceType{code: fmt.Sprintf("hws.service.type.extra%d", i), abbr: "X", name: text{"其他", "Extra"}})
		c.resourceTypes = append(c.resourceTypes, resourceType{code: fmt.Sprintf("hws.resource.type.extra%d", i), service: "hws.service.type.extra0",
			name: text{"其他", "Extra"}, desc: text{"其他", "Extra"}})
		c.usageTypes = append(c.usageTypes, usageType{code: fmt.Sprintf("extra%d", i), resourceType: "hws.resource.type.vm", name: text{"其他", "Extra"}})
	}
	for _, tc := range []struct{ path, list string }{
		{"/v2/products/service-types", "service_types"},
		{"/v2/products/resource-types", "resource_types"},
		{"/v2/products/service-resources?service_type_code=hws.service.type.extra0", "infos"},
		{"/v2/products/usage-types", "usage_types"},
	} {
		var body map[string]json.RawMessage
		w := r.do(http.MethodGet, tc.path)
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 200 {
			t.Fatalf("%s: %d %s", tc.path, w.Code, w.Body)
		}
		var items []json.RawMessage
		var total int
		_ = json.Unmarshal(body[tc.list], &items)
		_ = json.Unmarshal(body["total_count"], &total)
		if len(items) != 10 || total <= 10 {
			t.Errorf("%s without limit: %d of %d rows, want 10", tc.path, len(items), total)
		}
	}
}
