package sandbox

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

// generate builds the initial state from the seed alone (and the day of now, so that expiry
// dates stay in the near future): the same seed gives the same accounts, ids and figures.
func generate(opts Options, now time.Time) *state {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed_b55))
	base := now.UTC().Truncate(24 * time.Hour)
	st := &state{
		domainID:   opts.DomainID,
		orgByID:    map[string]*org{},
		subByID:    make(map[string]*subAccount, opts.SubAccounts),
		couponByID: map[string]*coupon{},
		resByID:    map[string]*resource{},
		orderByID:  map[string]*order{},
		freeByID:   map[string]*freeResource{},
		transIDs:   map[string]struct{}{},
		catalog:    newCatalog(),
	}
	g := &generator{rng: rng, base: base, st: st}
	g.organisations(opts.SubAccounts)
	g.subAccounts(opts.SubAccounts)
	g.masterBalances()
	g.coupons(opts.SubAccounts)
	g.cards()
	g.resources()
	g.packages()
	return st
}

type generator struct {
	rng  *rand.Rand
	base time.Time
	st   *state
}

func (g *generator) hexID() string { return fmt.Sprintf("%016x%016x", g.rng.Uint64(), g.rng.Uint64()) }

// cents draws an amount between lo and hi yuan, to the cent.
func (g *generator) cents(lo, hi int64) decimal.Decimal {
	return decimal.New(lo*100+g.rng.Int64N((hi-lo)*100+1), -2)
}

var (
	orgNamesTop = []string{"华东事业部", "Global Sales", "研发中心", "Finance & Operations", "华南大区", "Digital Retail"}
	orgNamesSub = []string{"平台组", "Data Platform", "市场部", "Customer Success", "安全合规", "AI Lab", "基础设施", "Mobile", "财务共享", "Partners"}
	zhProjects  = []string{"电商平台", "数据中台", "智慧物流", "在线教育", "视频直播", "供应链", "会员系统", "支付网关"}
	enProjects  = []string{"Checkout", "Analytics", "Logistics", "Learning", "Streaming", "Supply Chain", "Loyalty", "Payments"}
	zhPeople    = []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"}
)

// organisations builds a tree several levels deep: a few divisions under the root, then
// departments and teams hung under random existing units down to depth 4.
func (g *generator) organisations(subAccounts int) {
	st := g.st
	st.rootOrg = &org{id: g.hexID(), name: "Purser Demo Group 普赛演示集团"}
	st.orgByID[st.rootOrg.id] = st.rootOrg
	target := min(max(subAccounts/10, 10), 2000)
	add := func(parent *org, name string) {
		o := &org{id: g.hexID(), relationID: g.hexID(), name: name, parent: parent, depth: parent.depth + 1}
		parent.children = append(parent.children, o)
		st.orgs = append(st.orgs, o)
		st.orgByID[o.id] = o
	}
	for i := range 4 {
		add(st.rootOrg, orgNamesTop[i%len(orgNamesTop)])
	}
	for i := 4; i < target; i++ {
		var parent *org
		for parent == nil || parent.depth >= 4 {
			parent = st.orgs[g.rng.IntN(len(st.orgs))]
		}
		// Guarantee depth: the first few hang under the previous one.
		if i < 7 {
			parent = st.orgs[i-1]
		}
		name := orgNamesSub[g.rng.IntN(len(orgNamesSub))]
		add(parent, fmt.Sprintf("%s %d", name, i))
	}
}

// statusFor spreads every documented status over the accounts; most are normal.
func statusFor(i int) int {
	switch i % 12 {
	case 5:
		return 2
	case 7:
		return 3
	case 9:
		return 4
	case 10:
		return 101
	case 11:
		return 102
	}
	return 1
}

func (g *generator) subAccounts(n int) {
	st := g.st
	for i := range n {
		s := &subAccount{
			id:     g.hexID(),
			name:   fmt.Sprintf("purser-sub-%05d", i+1),
			status: statusFor(i),
		}
		if i%2 == 0 {
			s.displayName = fmt.Sprintf("%s-%s-%d", zhProjects[g.rng.IntN(len(zhProjects))], zhPeople[g.rng.IntN(len(zhPeople))], i+1)
		} else {
			s.displayName = fmt.Sprintf("%s team %d", enProjects[g.rng.IntN(len(enProjects))], i+1)
		}
		if k := g.rng.IntN(len(st.orgs) + 1); k < len(st.orgs) {
			s.org = st.orgs[k]
		} else {
			s.org = st.rootOrg
		}
		s.otherEntity = i%23 == 22
		s.debit = g.cents(0, 50_000)
		if i%4 == 0 {
			s.credit = []*ledger{{creditAmount: decimal.NewFromInt(20_000), avail: g.cents(0, 20_000)}}
		}
		st.subs = append(st.subs, s)
		st.subByID[s.id] = s
	}
}

func (g *generator) masterBalances() {
	st := g.st
	st.masterDebit = g.cents(500_000, 2_000_000)
	st.masterBonus = g.cents(0, 5_000)
	st.masterCredit = []*ledger{
		{creditAmount: decimal.NewFromInt(300_000), avail: g.cents(100_000, 300_000)},
		{expire: g.base.AddDate(0, 6, 0), creditAmount: decimal.NewFromInt(100_000), avail: g.cents(20_000, 100_000)},
	}
}

func (g *generator) coupons(subAccounts int) {
	st := g.st
	plans := []string{"云服务器代金券", "Cloud credit voucher", "新客专享券", "Database coupon", "通用代金券"}
	n := min(8+subAccounts/50, 500)
	for i := range n {
		c := &coupon{
			id:        fmt.Sprintf("CP%s%06d", g.base.Format("060102"), g.rng.IntN(1_000_000)),
			plan:      plans[i%len(plans)],
			balance:   g.cents(500, 20_000),
			effective: g.base.AddDate(0, -1, 0),
			expire:    g.base.AddDate(0, 3+i%9, 0),
		}
		c.limits = []couponLimit{{id: g.hexID(), key: "service_type", value1: st.catalog.serviceTypes[i%len(st.catalog.serviceTypes)].code, limitType: "1", planID: g.hexID()}}
		if _, dup := st.couponByID[c.id]; dup {
			c.id = fmt.Sprintf("%s%d", c.id, i)
		}
		st.coupons = append(st.coupons, c)
		st.couponByID[c.id] = c
	}
	// A few sub-accounts already hold part of a coupon, so recovering coupons has data.
	for i, s := range st.subs {
		if i%7 != 3 || s.otherEntity || len(st.coupons) == 0 {
			continue
		}
		c := st.coupons[i%len(st.coupons)]
		st.nextSeq++
		s.subCoupons = append(s.subCoupons, &subCoupon{couponID: c.id, subCouponID: fmt.Sprintf("SC%s%08d", g.base.Format("060102"), st.nextSeq), balance: g.cents(50, 500)})
	}
}

func (g *generator) cards() {
	names := []string{"企业储值卡", "Enterprise stored-value card", "年度预存卡", "Promotion card", "培训专用卡", "Partner card"}
	for i, name := range names {
		face := decimal.NewFromInt(int64(1000 * (i + 1)))
		c := &card{id: fmt.Sprintf("SVC%s%04d", g.base.Format("060102"), i+1), name: name, status: 1, face: face,
			balance:   face.Mul(decimal.New(int64(10+g.rng.IntN(90)), -2)).Round(2),
			effective: g.base.AddDate(0, -2, 0), expire: g.base.AddDate(1, 0, 0)}
		if i >= 4 {
			c.status, c.balance = 2, decimal.Zero
		}
		g.st.cards = append(g.st.cards, c)
	}
}

var regions = []string{"cn-north-4", "cn-east-3", "cn-south-1", "ap-southeast-1"}

// resources creates the master's yearly/monthly resources: main resources across services
// and regions, ECS instances with their disks and IPs as child resources, and the orders
// that bought them.
func (g *generator) resources() {
	st := g.st
	mains := []string{"hws.resource.type.vm", "hws.resource.type.vm", "hws.resource.type.volume", "hws.resource.type.bandwidth",
		"hws.resource.type.rds.vm", "hws.resource.type.dcs", "hws.resource.type.cce.cluster"}
	for i := range 36 {
		rt := st.catalog.resourceType(mains[i%len(mains)])
		svc := st.catalog.service(rt.service)
		region := regions[i%len(regions)]
		effective := g.base.AddDate(0, -1-g.rng.IntN(11), 0)
		expire := g.base.AddDate(0, 0, -15+g.rng.IntN(400))
		r := g.resource(rt, svc, region, effective, expire, fmt.Sprintf("%s-%s-%02d", svc.abbr, region, i+1))
		r.isMain = true
		switch {
		case expire.Before(g.base):
			r.status = 5
		case i%13 == 12:
			r.status = 4
		}
		r.expirePolicy = []int{0, 0, 0, 1, 3, 0}[i%6]
		if rt.code == "hws.resource.type.vm" {
			disk := g.resource(st.catalog.resourceType("hws.resource.type.volume"), st.catalog.service("hws.service.type.ebs"), region, effective, expire, r.name+"-sys")
			ip := g.resource(st.catalog.resourceType("hws.resource.type.ip"), st.catalog.service("hws.service.type.vpc"), region, effective, expire, r.name+"-eip")
			for _, c := range []*resource{disk, ip} {
				c.parentID, c.status = r.resourceID, r.status
				r.children = append(r.children, c)
			}
		}
		o := &order{id: g.orderID(effective), customerID: st.domainID, serviceType: svc.code, serviceTypeName: svc.name.zh,
			status: 5, orderType: 1, amount: g.cents(100, 8000), created: effective, paid: effective}
		o.official = o.amount.Mul(decimal.New(12, -1)).Round(2)
		o.lines = []orderLine{{id: o.id + "-1", serviceType: svc.code, serviceTypeName: svc.name.zh, productID: r.productID,
			specDesc: r.specDesc, periodType: 2, periodNum: 12, effective: effective, expire: expire, amount: o.amount}}
		o.resources = append([]*resource{r}, r.children...)
		st.orders = append(st.orders, o)
		st.orderByID[o.id] = o
	}
}

func (g *generator) resource(rt resourceType, svc serviceType, region string, effective, expire time.Time, name string) *resource {
	spec := ""
	if len(rt.specs) > 0 {
		spec = rt.specs[g.rng.IntN(len(rt.specs))]
	}
	r := &resource{
		instanceID: g.hexID(), resourceID: g.hexID()[:24], name: name, region: region,
		serviceType: svc.code, serviceTypeName: svc.name.zh, resourceType: rt.code, resourceTypeName: rt.name.zh,
		specCode: spec, projectID: g.hexID(), productID: "OFFI" + g.hexID()[:12], specDesc: rt.name.zh + " " + spec,
		status: 2, effective: effective, expire: expire, updated: effective, specSizeMeasure: rt.measure,
	}
	if rt.measure != 0 {
		r.specSize = decimal.NewFromInt(int64(40 * (1 + g.rng.IntN(8))))
	}
	g.st.resources = append(g.st.resources, r)
	g.st.resByID[r.resourceID] = r
	return r
}

func (g *generator) orderID(t time.Time) string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = letters[g.rng.IntN(len(letters))]
	}
	return "CS" + t.Format("0601021504") + string(b)
}

func (g *generator) packages() {
	st := g.st
	specs := []struct {
		service, name, usage string
		original             int64
		measure              int
	}{
		{"hws.service.type.obs", "OBS 标准存储包 500GB", "存储容量", 500, 17},
		{"hws.service.type.cdn", "CDN 下行流量包 1TB", "下行流量", 1024, 17},
		{"hws.service.type.ec2", "ECS 时长包 744 小时", "时长", 744, 4},
		{"hws.service.type.vpc", "共享流量包 100GB", "上行流量", 100, 17},
		{"hws.service.type.obs", "OBS 公网流出流量包 200GB", "公网流出流量", 200, 17},
		{"hws.service.type.rds", "RDS 时长包 1 年", "时长", 8760, 4},
	}
	for i, sp := range specs {
		svc := st.catalog.service(sp.service)
		start := g.base.AddDate(0, -1-i%3, 0)
		p := &resourcePackage{instanceID: g.hexID(), orderID: g.orderID(start), productID: "OFFI" + g.hexID()[:12], productName: sp.name,
			serviceType: svc.code, serviceTypeName: svc.name.zh, region: regions[i%len(regions)], effective: start,
			expire: start.AddDate(1, 0, 0), status: 1}
		f := &freeResource{id: g.hexID(), typeName: sp.name, usageTypeName: sp.usage, original: decimal.NewFromInt(sp.original),
			perDay:    decimal.NewFromInt(sp.original).Div(decimal.NewFromInt(int64(60 + g.rng.IntN(300)))).Round(4),
			measureID: sp.measure, start: start, end: p.expire}
		p.free = []*freeResource{f}
		st.packages = append(st.packages, p)
		st.freeByID[f.id] = f
	}
}
