package resolvers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parley/parley/server/apptest"
)

func TestBackOfficeUpsertsAndValidates(t *testing.T) {
	e := apptest.NewEmpty(t)
	office := apptest.Office()
	steps := []struct {
		name, query, code string
	}{
		{"invalid org_nr", `mutation { upsertWorkshop(input: {orgNr: "921460928", name: "X"}) { orgNr } }`, "BAD_USER_INPUT"},
		{"short org_nr", `mutation { upsertWorkshop(input: {orgNr: "12345", name: "X"}) { orgNr } }`, "BAD_USER_INPUT"},
		{"workshop", `mutation { upsertWorkshop(input: {orgNr: "921460929", name: "Bilfix", services: [{name: "EU-kontroll", price: 990}]}) { orgNr servicesCount cheapestServicePrice } }`, ""},
		{"workshop user without org", `mutation { upsertUser(input: {userId: "w1", role: WORKSHOP}) { userId } }`, "BAD_USER_INPUT"},
		{"car owner", `mutation { upsertUser(input: {userId: "c1", role: CAR_OWNER, name: "C"}) { userId } }`, ""},
		{"booking for unknown owner", `mutation { upsertBooking(input: {bookingId: 7, carOwnerId: "nobody", workshopOrgNr: "921460929"}) { bookingId } }`, "BAD_USER_INPUT"},
		{"booking for unknown workshop", `mutation { upsertBooking(input: {bookingId: 7, carOwnerId: "c1", workshopOrgNr: "974760673"}) { bookingId } }`, "BAD_USER_INPUT"},
		{"booking id zero", `mutation { upsertBooking(input: {bookingId: 0, carOwnerId: "c1", workshopOrgNr: "921460929"}) { bookingId } }`, "BAD_USER_INPUT"},
		{"booking", `mutation { upsertBooking(input: {bookingId: 7, carOwnerId: "c1", workshopOrgNr: "921460929"}) { bookingId carOwner { userId } workshop { name } } }`, ""},
		{"booking again", `mutation { upsertBooking(input: {bookingId: 7, carOwnerId: "c1", workshopOrgNr: "921460929"}) { bookingId } }`, ""},
		{"listing with bad id", `mutation { upsertListing(input: {listingId: "a b", sellerId: "c1", title: "T"}) { listingId } }`, "BAD_USER_INPUT"},
		{"token with too long ttl", `mutation { issueToken(input: {userId: "c1", role: CAR_OWNER, ttlSeconds: 99999999}) { token } }`, "BAD_USER_INPUT"},
	}
	for _, s := range steps {
		if r := e.GQL(t, office, s.query, nil); r.Code() != s.code {
			t.Fatalf("%s: code %q, want %q (%+v)", s.name, r.Code(), s.code, r.Errors)
		}
	}
	if n := count(t, e, "conversations"); n != 1 {
		t.Fatalf("conversations = %d, want the one booking thread", n)
	}
	var tok struct{ IssueToken struct{ Token string } }
	e.GQL(t, office, `mutation { issueToken(input: {userId: "c1", role: CAR_OWNER, name: "C"}) { token } }`, nil).Decode(t, &tok)
	var in struct{ Inbox struct{ TotalCount int } }
	e.GQL(t, apptest.Bearer(tok.IssueToken.Token), `{ inbox { totalCount } }`, nil).Decode(t, &in)
	if in.Inbox.TotalCount != 1 {
		t.Fatalf("the minted token's inbox has %d threads, want 1", in.Inbox.TotalCount)
	}
}

func TestTokensAreCheckedAndUsersRecordedOnFirstSight(t *testing.T) {
	e := apptest.NewEmpty(t)
	r := e.GQL(t, apptest.Bearer(apptest.Token(t, viewerFor("fresh", "buyer", ""))), `{ viewer { userId role } }`, nil)
	var v struct{ Viewer struct{ UserID, Role string } }
	r.Decode(t, &v)
	if v.Viewer.UserID != "fresh" || v.Viewer.Role != "BUYER" {
		t.Fatalf("viewer = %+v", v.Viewer)
	}
	bad := []struct{ name, header string }{
		{"not bearer", "Basic abc"},
		{"garbage", "Bearer abc.def.ghi"},
		{"workshop without org_nr", "Bearer " + apptest.Token(t, viewerFor("w", "workshop", ""))},
		{"workshop with bad org_nr", "Bearer " + apptest.Token(t, viewerFor("w", "workshop", "123456789"))},
		{"unknown role", "Bearer " + apptest.Token(t, viewerFor("w", "admin", ""))},
	}
	for _, b := range bad {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { userId } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", b.header)
		if r := e.Do(t, apptest.Creds{}, req); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s: code %q", b.name, r.Code())
		}
	}
}
