// Package wire holds the JSON shapes of the legacy BSS v1.0 operations
// (/v1.0/{domain_id}/…), which the official SDK does not cover.
//
// The client (internal/bss) and the sandbox (internal/bss/sandbox) both encode and decode
// through these structs, so that the two can never disagree. Field names come from Huawei's
// API reference (api-oce ep_00006–ep_00010, api_order_00001) as quoted in UPSTREAM-API.md;
// names marked UNCONFIRMED below are our best reading where no public document shows the exact
// spelling. Fix them here, once, if a real endpoint answers differently.
package wire

import "encoding/json"

// Paths of the legacy operations; %s is the master account's domain id.
const (
	PathSubCustomers    = "/v1.0/%s/customer/customer-mgr/enterprise-customers"
	PathTransferAmount  = "/v1.0/%s/customer/account-mgr/transfer-amount"
	PathRetrieveAmount  = "/v1.0/%s/customer/account-mgr/retrieve-amount"
	PathTransfer        = "/v1.0/%s/customer/account-mgr/transfer"
	PathRetrieve        = "/v1.0/%s/customer/account-mgr/retrieve"
	PathOrderResources  = "/v1.0/%s/common/order-mgr/orders-resource/%s"
	DeductModeImmediate = "1"
)

// SubCustomerList answers GET PathSubCustomers. Query: sub_customer_name, display_name,
// fuzzy_query, offset (page number from 1), limit 1–100, org_party_id.
type SubCustomerList struct {
	SubCustomerInfos []SubCustomerInfo `json:"subCustomerInfos"`
	TotalCount       int               `json:"totalCount"`
}

// SubCustomerInfo is one sub-account in the legacy list.
type SubCustomerInfo struct {
	ID           string `json:"id"`          // UNCONFIRMED
	Name         string `json:"name"`        // UNCONFIRMED
	DisplayName  string `json:"displayName"` // UNCONFIRMED
	Status       int    `json:"status"`
	OrgPartyID   string `json:"orgPartyId"`
	OrgPartyName string `json:"orgPartyName"`
}

// AmountList answers GET PathTransferAmount and PathRetrieveAmount. Query: balance_type,
// offset (page number from 1), limit; the retrieve form also takes sub_customer_id.
type AmountList struct {
	TotalCount int          `json:"totalCount"`
	AmountInfo []AmountInfo `json:"amountInfo"`
}

// AmountInfo is one ledger row. Exactly one of the two "avail" fields is set, depending on
// the path. Amounts are JSON numbers.
type AmountInfo struct {
	AvailTransferAmount *json.Number `json:"availTransferAmount,omitempty"`
	AvailRetrieveAmount *json.Number `json:"availRetrieveAmount,omitempty"`
	MeasureID           int          `json:"measureId"`
	Currency            string       `json:"currency"`
	Amount              json.Number  `json:"amount"`
	CreditAmount        json.Number  `json:"creditAmount"`
	ExpireTime          string       `json:"expireTime,omitempty"` // UTC, 2006-01-02T15:04:05Z
}

// TransferRequest is the body of POST PathTransfer. The answer is an empty body; several
// business refusals come back as HTTP 500 with an error_code.
type TransferRequest struct {
	TransID             string `json:"transId"` // ≤ 64 characters on v1.0
	BalanceType         string `json:"balanceType"`
	SubCustomerID       string `json:"subCustomerId"`
	DeductMode          string `json:"deductMode"` // UNCONFIRMED value: "1"
	TotalTransferAmount string `json:"totalTransferAmount"`
	ExpireTime          string `json:"expireTime,omitempty"`
}

// RetrieveRequest is the body of POST PathRetrieve. "Amout" is the upstream's spelling.
type RetrieveRequest struct {
	TransID            string `json:"transId"`
	BalanceType        string `json:"balanceType"`
	SubCustomerID      string `json:"subCustomerId"`
	DeductMode         string `json:"deductMode"`
	TotalRetrieveAmout string `json:"totalRetrieveAmout"`
	ExpireTime         string `json:"expireTime,omitempty"`
}

// OrderResources answers GET PathOrderResources. Query: offset (page ≥ 1, required),
// limit 1–50 (required).
type OrderResources struct {
	TotalSize int             `json:"totalSize"`
	Resources []OrderResource `json:"resources"`
}

// OrderResource is one resource provisioned by an order. "resouce" is the upstream's spelling.
type OrderResource struct {
	ResourceID           string      `json:"resourceId"`
	CloudServiceType     string      `json:"cloudServiceType"`
	RegionCode           string      `json:"regionCode"`
	ResourceType         string      `json:"resourceType"`
	ResourceSpecCode     string      `json:"resourceSpecCode"`
	ResourceSize         json.Number `json:"resourceSize"`         // UNCONFIRMED type: number
	ResouceSizeMeasureID int         `json:"resouceSizeMeasureId"` // UNCONFIRMED type: integer
	Status               int         `json:"status"`               // UNCONFIRMED values: as v2 resources (2 in use, 3 closed, …)
}

// Error is the body of every refusal, v2 and legacy alike.
type Error struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// TimeLayout is the upstream's UTC timestamp format.
const TimeLayout = "2006-01-02T15:04:05Z"
