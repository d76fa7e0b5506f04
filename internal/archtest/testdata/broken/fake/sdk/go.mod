module github.com/huaweicloud/huaweicloud-sdk-go-v3

go 1.26
