package restcompat

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// coWorkshop is a workshop search hit as the car-owner search route shows it. distance_km is
// null without a position, latitude and longitude where the workshop has none, and
// cheapest_service_price for a workshop without services.
type coWorkshop struct {
	OrgNr                string            `json:"org_nr"`
	Name                 string            `json:"name"`
	AddressLine          string            `json:"address_line"`
	City                 string            `json:"city"`
	PostalCode           string            `json:"postal_code"`
	Latitude             *float64          `json:"latitude"`
	Longitude            *float64          `json:"longitude"`
	DistanceKm           *float64          `json:"distance_km"`
	Logo                 []json.RawMessage `json:"logo"`
	Categories           []json.RawMessage `json:"categories"`
	AvgRating            float64           `json:"avg_rating"`
	TotalReviews         int               `json:"total_reviews"`
	CheapestServicePrice *float64          `json:"cheapest_service_price"`
	ServicesCount        int               `json:"services_count"`
}

func newCOWorkshop(h *resolvers.WorkshopHit, svcs []*resolvers.WorkshopService) coWorkshop {
	out := coWorkshop{OrgNr: h.OrgNr, Name: h.Name, AddressLine: h.AddressLine, City: h.City, PostalCode: h.PostalCode,
		Latitude: h.Latitude, Longitude: h.Longitude, DistanceKm: h.DistanceKm, Logo: jsonList(h.Logo),
		Categories: jsonList(h.Categories), AvgRating: h.AvgRating, TotalReviews: h.TotalReviews, ServicesCount: len(svcs)}
	if len(svcs) > 0 {
		out.CheapestServicePrice = &svcs[0].Price // loaded cheapest first
	}
	return out
}

// jsonList is a stored JSON list, [] rather than null when empty.
func jsonList(raw []json.RawMessage) []json.RawMessage {
	if raw == nil {
		return []json.RawMessage{}
	}
	return raw
}

// coSearch is the free-text workshop search: q (or its alias query) over names, addresses,
// services and categories, nearest first with lat and lng. count is every match, results at
// most limit of them.
func (a *api) coSearch(w http.ResponseWriter, r *http.Request) {
	text := searchText(r)
	near, err := positionParam(r)
	limit := 0
	if err == nil {
		limit, err = intParam(r, 20, 1, math.MaxInt, "limit")
		limit = min(limit, resolvers.MaxPageSize)
	}
	var res *graph.WorkshopSearchResults
	if err == nil {
		res, err = a.res.QueryRoot().SearchWorkshops(r.Context(), text, near, &limit)
	}
	var svcs map[string][]*resolvers.WorkshopService
	if err == nil {
		svcs, err = a.servicesOf(r, res.Results)
	}
	if err != nil {
		fail(w, r, familyCO, err)
		return
	}
	rows := make([]coWorkshop, len(res.Results))
	for i, h := range res.Results {
		rows[i] = newCOWorkshop(h, svcs[h.OrgNr])
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": rows, "count": res.Count, "query": res.Query})
}

// servicesOf loads the services of the workshops a search returned, in one batch.
func (a *api) servicesOf(r *http.Request, hits []*resolvers.WorkshopHit) (map[string][]*resolvers.WorkshopService, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	orgNrs := make([]string, len(hits))
	for i, h := range hits {
		orgNrs[i] = h.OrgNr
	}
	return a.res.ServicesOf(r.Context(), orgNrs)
}

// positionParam reads lat and lng, which come together or not at all.
func positionParam(r *http.Request) (*graph.GeoPoint, error) {
	lat, latErr := floatParam(r, "lat", 90)
	lng, lngErr := floatParam(r, "lng", 180)
	switch {
	case latErr != nil:
		return nil, latErr
	case lngErr != nil:
		return nil, lngErr
	case lat == nil && lng == nil:
		return nil, nil
	case lat == nil:
		return nil, apierror.Invalid("lat", "is required with lng")
	case lng == nil:
		return nil, apierror.Invalid("lng", "is required with lat")
	}
	return &graph.GeoPoint{Latitude: *lat, Longitude: *lng}, nil
}

// floatParam reads a number parameter in [-limit, limit]; absent is nil.
func floatParam(r *http.Request, name string, limit float64) (*float64, error) {
	raw := strings.TrimSpace(r.URL.Query().Get(name))
	if raw == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || f < -limit || f > limit {
		return nil, apierror.Invalid(name, "must be a number from %g to %g", -limit, limit)
	}
	return &f, nil
}
