package archtest

import (
	"strings"
	"testing"
)

// TestImportRules holds the module itself to the rules.
func TestImportRules(t *testing.T) {
	g, err := Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Check(g, Rules()) {
		t.Error(v)
	}
}

// TestRulesFire runs the checker on a fixture module that breaks every rule
// once and uses every exemption (bss and its subpackages on the SDK, jobs and
// cmd on River, internal/web/ops reaching gorm only through the store), and
// expects exactly the breaks, each with its import chain.
func TestRulesFire(t *testing.T) {
	g, err := Load("testdata/broken", "GOWORK=off")
	if err != nil {
		t.Fatal(err)
	}
	got := Check(g, Rules())
	want := []string{
		"authz is free of HTTP and the database: internal/authz -> internal/util -> github.com/gin-gonic/gin",
		"only bss uses the Huawei SDK: internal/web (test) -> github.com/huaweicloud/huaweicloud-sdk-go-v3",
		"only jobs and cmd use River: internal/notify -> github.com/riverqueue/river",
		"readmodel is free of HTTP and presentation: internal/readmodel -> github.com/a-h/templ",
		"readmodel is free of HTTP and presentation: internal/readmodel -> internal/web",
		"templates do not reach the store: web/templates/pages -> web/templates/view -> internal/store",
		"templates do not reach the store: web/templates/view -> internal/store",
		"web does not use gorm or the Huawei SDK: internal/web (test) -> github.com/huaweicloud/huaweicloud-sdk-go-v3",
		"web does not use gorm or the Huawei SDK: internal/web -> gorm.io/gorm",
	}
	compare(t, got, want)
}

// TestMissingPackageFails: a rule whose packages vanished (say internal/web
// was renamed) must fail instead of passing on nothing; only the planned
// internal/readmodel may be absent.
func TestMissingPackageFails(t *testing.T) {
	g := &Graph{Module: "m", Packages: map[string]*Package{
		"m/internal/other": {ImportPath: "m/internal/other", InModule: true},
	}}
	got := Check(g, Rules())
	want := []string{
		"authz is free of HTTP and the database: no package matches [./internal/authz]",
		"templates do not reach the store: no package matches [./web/templates]",
		"web does not use gorm or the Huawei SDK: no package matches [./internal/web]",
	}
	compare(t, got, want)
}

// compare checks violations by rule and chain; the explanation is prose and
// free to change.
func compare(t *testing.T, got []Violation, want []string) {
	t.Helper()
	short := make([]string, len(got))
	for i, v := range got {
		short[i] = v.Rule + ": " + v.Chain
	}
	if strings.Join(short, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(short, "\n"), strings.Join(want, "\n"))
	}
}
