// Package core stands in for github.com/huaweicloud/huaweicloud-sdk-go-v3.
package core

// X is something to import.
const X = 1
