package restcompat

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/parley/parley/resolvers"
)

// The OpenAPI document is built from the route table, so it cannot drift from what Register
// serves: every route is an operation, every path gets its OPTIONS preflight, and the route's
// Query list becomes its query parameters. Request and response schemas are the legacy wire
// types, written out by hand below where the table cannot know them.

// OpenAPI returns the OpenAPI 3.1 document of the legacy REST routes.
func OpenAPI() map[string]any {
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Parley legacy REST compatibility API",
			"version":     "1.0.0",
			"description": "The legacy car-owner (CO), workshop (WS) and marketplace (MK) REST routes, and the back-office (BO) webhook routes, served over the same resolvers as Parley's GraphQL API. See rest-compat/README.md.",
		},
		"servers":    []any{map[string]any{"url": "/"}},
		"tags":       oaOpenAPITags(),
		"security":   []any{map[string]any{"bearerAuth": []any{}}},
		"paths":      oaOpenAPIPaths(),
		"components": map[string]any{"securitySchemes": oaSecuritySchemes(), "schemas": openAPISchemas()},
	}
}

// ServeOpenAPI answers GET /openapi.json. The document is public: it holds no data.
func ServeOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, OpenAPI())
}

// oaFamilyTags names each family's tag.
var oaFamilyTags = map[family]string{familyCO: "car-owner", familyWS: "workshop", familyMK: "marketplace", familyBO: "back-office"}

func oaOpenAPITags() []any {
	return []any{
		map[string]any{"name": oaFamilyTags[familyCO], "description": "Car owners (role car_owner): bare objects and {data, meta, links}"},
		map[string]any{"name": oaFamilyTags[familyWS], "description": "Workshop users (role workshop, acting for their org_nr): {success, message, data}"},
		map[string]any{"name": oaFamilyTags[familyMK], "description": "Marketplace buyers and sellers (roles buyer, seller): {success, data}"},
		map[string]any{"name": oaFamilyTags[familyBO], "description": "Back-office systems (X-API-Key, no user token): webhooks, {success, data}"},
	}
}

func oaSecuritySchemes() map[string]any {
	return map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
		"description": "A user token with claims sub, role (car_owner, workshop, buyer, seller), org_nr (workshop), name, exp."},
		"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key",
			"description": "A back-office key (PARLEY_API_KEYS); only the back-office routes take it."}}
}

// oaOpenAPIPaths has one path item per documented path, one operation per method, and the
// OPTIONS preflight of each path.
func oaOpenAPIPaths() map[string]any {
	paths := map[string]any{}
	for _, rt := range routes {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{"parameters": oaPathParameters(rt)}
			item["options"] = oaPreflightOperation(rt)
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = oaOperation(rt)
	}
	return paths
}

func oaOperation(rt route) map[string]any {
	op := map[string]any{
		"operationId": oaOperationID(rt.Method, rt.Path),
		"summary":     rt.Summary,
		"description": "Calls " + rt.Resolver + "; the GraphQL equivalent is " + rt.GraphQL + ".",
		"tags":        []any{oaFamilyTags[rt.Family]},
		"x-resolver":  rt.Resolver,
		"x-graphql":   rt.GraphQL,
		"responses":   oaResponses(rt),
	}
	if ps := oaQueryParameters(rt); len(ps) > 0 {
		op["parameters"] = ps
	}
	if rt.Family == familyBO {
		op["security"] = []any{map[string]any{"apiKey": []any{}}}
	}
	if body := oaRequestBody(rt); body != nil {
		op["requestBody"] = body
	}
	return op
}

func oaPreflightOperation(rt route) map[string]any {
	return map[string]any{
		"operationId": oaOperationID("OPTIONS", rt.Path),
		"summary":     "CORS preflight",
		"description": "Answers the documented preflight body with Allow and the CORS headers; needs no token.",
		"tags":        []any{oaFamilyTags[rt.Family]},
		"security":    []any{},
		"responses": map[string]any{"200": map[string]any{
			"description": "The methods of this path in Allow and Access-Control-Allow-Methods",
			"headers": map[string]any{
				"Allow":                        map[string]any{"schema": map[string]any{"type": "string"}},
				"Access-Control-Allow-Methods": map[string]any{"schema": map[string]any{"type": "string"}},
			},
			"content": oaJsonContent(oaRef("Preflight")),
		}},
	}
}

// oaOperationID is a unique camelCase name from method and path: GET /api/ws/messages/thread/{booking_id}
// is getApiWsMessagesThreadBookingId.
func oaOperationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	upper := true
	for _, c := range path {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			upper = true
			continue
		}
		if upper {
			c = unicode.ToUpper(c)
			upper = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

var oaPathParam = regexp.MustCompile(`\{([^}]+)\}`)

// PathParams lists the {name} parameters of a path template, in order.
func PathParams(path string) []string {
	var out []string
	for _, m := range oaPathParam.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

func oaPathParameters(rt route) []any {
	out := []any{}
	for _, name := range PathParams(rt.Path) {
		out = append(out, map[string]any{"name": name, "in": "path", "required": true,
			"description": oaPathParamDescription(rt, name), "schema": oaPathParamSchema(rt)})
	}
	return out
}

func oaPathParamSchema(rt route) map[string]any {
	if rt.Family == familyMK || rt.Family == familyBO {
		return map[string]any{"type": "string"}
	}
	return map[string]any{"type": "integer", "minimum": 1}
}

func oaPathParamDescription(rt route, name string) string {
	switch {
	case strings.HasPrefix(rt.Path, "/v1/webhooks/deliveries/"):
		return "a webhook delivery id such as dlv_9 (the bare number is accepted too)"
	case rt.Family == familyBO:
		return "a webhook endpoint id such as wh_3 (the bare number is accepted too)"
	case rt.Family != familyMK && name == "id":
		return "a notification id (integer)"
	case rt.Family != familyMK:
		return "a booking id (integer)"
	case name == "msgId":
		return "a message id such as msg_7 (the bare number is accepted too)"
	case strings.HasPrefix(rt.Path, "/api/notifications/"):
		return "a notification id such as ntf_3 (the bare number is accepted too)"
	}
	return "a conversation id such as conv_12 (the bare number is accepted too)"
}

// oaPageSize is a page size: larger ones are served as the maximum, not refused.
var oaPageSize = map[string]any{"type": "integer", "minimum": 1,
	"description": fmt.Sprintf("above %d served as %d", resolvers.MaxPageSize, resolvers.MaxPageSize)}

// oaQueryParamSchemas gives the type of each query parameter name the routes use.
var oaQueryParamSchemas = map[string]map[string]any{
	"page":      {"type": "integer", "minimum": 1, "maximum": maxPage, "default": 1},
	"page_size": oaPageSize,
	"size":      oaPageSize,
	"limit":     oaPageSize,
	"id":        {"type": "integer", "minimum": 1, "description": "the booking id"},
	"lat":       {"type": "number"},
	"lng":       {"type": "number"},
	"since":     {"type": "string", "format": "date-time"},
	"before":    {"type": "string", "format": "date-time"},
}

func oaQueryParameters(rt route) []any {
	var out []any
	for _, name := range rt.Query {
		schema, ok := oaQueryParamSchemas[name]
		if !ok {
			schema = map[string]any{"type": "string"}
		}
		p := map[string]any{"name": name, "in": "query", "schema": schema}
		if name == "id" && rt.Family == familyWS {
			p["required"] = true
		}
		out = append(out, p)
	}
	return out
}

// oaIsSend reports whether a route sends a message, and so also takes multipart/form-data.
func oaIsSend(rt route) bool {
	return strings.Contains(rt.Resolver, "Mutation.SendMessage")
}

func oaRequestBody(rt route) map[string]any {
	if !slices.Contains([]string{"POST", "PUT", "PATCH"}, rt.Method) {
		return nil
	}
	key := rt.Method + " " + rt.Path
	schema, ok := oaJsonBodies[key]
	if !ok {
		schema = map[string]any{"type": "object", "description": "no body is needed"}
	}
	content := oaJsonContent(schema)
	if oaIsSend(rt) {
		if form, ok := oaFormBodies[key]; ok {
			content["multipart/form-data"] = map[string]any{"schema": form}
		}
	}
	return map[string]any{"required": ok, "content": content}
}

// oaResponses are the route's success and its family's error answers.
func oaResponses(rt route) map[string]any {
	out := oaSuccess(rt)
	errSchema := oaRef(map[family]string{familyCO: "COError", familyWS: "WSError", familyMK: "MKError", familyBO: "MKError"}[rt.Family])
	for _, e := range oaErrorStatuses {
		out[e.status] = map[string]any{"description": e.why, "content": oaJsonContent(errSchema)}
	}
	return out
}

var oaErrorStatuses = []struct{ status, why string }{
	{"400", "Malformed request: a parameter or body field is missing or of the wrong type (error.field names it)"},
	{"401", "No token, or an invalid or expired one"},
	{"403", "A token of another namespace (another role)"},
	{"404", "No such thing, or not the caller's: never someone else's data"},
	{"405", "Method not allowed on this path (see Allow)"},
	{"413", "Body or upload too large"},
	{"415", "Unsupported attachment type"},
	{"422", "Well-formed but breaks a rule (error.field names it)"},
}

// oaSuccess is a route's success answers.
func oaSuccess(rt route) map[string]any {
	key := rt.Method + " " + rt.Path
	schema, ok := oaResponseSchemas[key]
	if !ok {
		schema = oaAnyObj
	}
	out := map[string]any{}
	for _, st := range oaSuccessStatuses(key) {
		why := "Success"
		if st == "201" {
			why = "Created"
		}
		out[st] = map[string]any{"description": why, "content": oaJsonContent(schema)}
	}
	return out
}

func oaSuccessStatuses(key string) []string {
	if sts, ok := oaCreated[key]; ok {
		return sts
	}
	return []string{"200"}
}

func oaJsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func oaRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
