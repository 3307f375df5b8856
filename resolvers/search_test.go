package resolvers_test

import (
	"testing"

	"github.com/parley/parley/server/apptest"
)

type searchResult struct {
	SearchWorkshops struct {
		Count   int
		Results []struct {
			DistanceKm *float64
			Workshop   struct {
				OrgNr, Name          string
				CheapestServicePrice *float64
				ServicesCount        int
			}
		}
	}
}

func search(t *testing.T, e *apptest.Env, q string, near map[string]any) searchResult {
	t.Helper()
	var out searchResult
	e.GQL(t, e.User(t, "co-ola"), `query($q: String!, $near: GeoPoint) { searchWorkshops(query: $q, near: $near) {
		count results { distanceKm workshop { orgNr name cheapestServicePrice servicesCount } } } }`,
		map[string]any{"q": q, "near": near}).Decode(t, &out)
	return out
}

func TestSearchWorkshops(t *testing.T) {
	e := apptest.New(t)
	orgs := func(r searchResult) []string {
		var out []string
		for _, x := range r.SearchWorkshops.Results {
			out = append(out, x.Workshop.OrgNr)
		}
		return out
	}
	cases := []struct{ q, want string }{
		{"bilfix", "921460929"},          // name
		{"thorvald meyers", "921460929"}, // address
		{"dekkhotell", "923609016"},      // service
		{"bremser", "921460929"},         // service category
		{"bergen", "974760673"},          // city
		{"dekkhottel", "923609016"},      // a typo, found by trigram similarity
	}
	for _, c := range cases {
		if got := orgs(search(t, e, c.q, nil)); len(got) == 0 || got[0] != c.want {
			t.Errorf("search %q = %v, want %s first", c.q, got, c.want)
		}
	}
	if got := search(t, e, "zzzqqq", nil); got.SearchWorkshops.Count != 0 {
		t.Errorf("nonsense matched %v", orgs(got))
	}
	near := search(t, e, "", map[string]any{"latitude": 60.39, "longitude": 5.32}) // Bergen
	r := near.SearchWorkshops.Results
	if near.SearchWorkshops.Count != 3 || r[0].Workshop.OrgNr != "974760673" || r[0].DistanceKm == nil || *r[0].DistanceKm > 5 || *r[2].DistanceKm < 250 {
		t.Fatalf("by distance from Bergen = %+v", r)
	}
	if w := r[2].Workshop; w.ServicesCount == 0 || w.CheapestServicePrice == nil {
		t.Fatalf("service figures missing: %+v", w)
	}
}
