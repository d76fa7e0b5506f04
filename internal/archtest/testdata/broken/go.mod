// A module that breaks every import rule once, and keeps every exemption,
// so the checker is seen to fire. The dependencies are empty stand-ins under
// fake/ so go list needs no network.
module example.com/broken

go 1.26

require (
	github.com/a-h/templ v0.0.0
	github.com/gin-gonic/gin v0.0.0
	github.com/huaweicloud/huaweicloud-sdk-go-v3 v0.0.0
	github.com/riverqueue/river v0.0.0
	gorm.io/gorm v0.0.0
)

replace (
	github.com/a-h/templ => ./fake/templ
	github.com/gin-gonic/gin => ./fake/gin
	github.com/huaweicloud/huaweicloud-sdk-go-v3 => ./fake/sdk
	github.com/riverqueue/river => ./fake/river
	gorm.io/gorm => ./fake/gorm
)
