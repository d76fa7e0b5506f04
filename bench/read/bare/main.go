// Command bare serves the yardstick of the read-side benchmark (issue 4): a bare Go
// html/template page of 25 sub-account rows, with no database, session or middleware, so
// that the portal's pages can be compared with what net/http and html/template alone cost
// on the same machine in the same run. See bench/read/run.sh and docs/PERFORMANCE.md.
//
//	go run ./bench/read/bare -addr 127.0.0.1:18081
package main

import (
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"time"
)

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sub-accounts</title><link rel="stylesheet" href="/static/app.css"></head>
<body>
<h1>Sub-accounts</h1>
<p>{{.Total}} sub-accounts</p>
<table>
<thead><tr><th>Name</th><th>Organisation</th><th>Status</th><th>Debit</th><th>Credit</th><th>Total</th></tr></thead>
<tbody>
{{range .Rows}}<tr data-id="{{.ID}}"><td><a href="{{.Href}}">{{.Name}}</a></td><td>{{.Org}}</td><td>{{.Status}}</td><td>{{.Debit}}</td><td>{{.Credit}}</td><td>{{.Total}}</td></tr>
{{end}}</tbody>
</table>
<nav><a href="{{.Next}}" rel="next">Next</a></nav>
</body>
</html>
`))

type row struct{ ID, Href, Name, Org, Status, Debit, Credit, Total string }

type data struct {
	Total string
	Rows  []row
	Next  string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	flag.Parse()
	d := data{Total: "10,000", Next: "/?cursor=abc&page=2"}
	for i := range 25 {
		id := fmt.Sprintf("sub%029d", i)
		d.Rows = append(d.Rows, row{ID: id, Href: "/sub-accounts/" + id, Name: fmt.Sprintf("sub-account-%05d", i),
			Org: "Org unit 3", Status: "Active", Debit: "CNY 12,345.67", Credit: "CNY 1,000.00", Total: "CNY 13,345.67"})
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(w, d); err != nil {
			log.Print(err)
		}
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
