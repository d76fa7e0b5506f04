package web

import _ "github.com/huaweicloud/huaweicloud-sdk-go-v3"
