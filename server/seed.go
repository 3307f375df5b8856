package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

// SeedUser is a demo user with a token signed by the configured secret.
type SeedUser struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

// SeedWorkshop is a demo workshop and its users.
type SeedWorkshop struct {
	OrgNr string     `json:"org_nr"`
	Name  string     `json:"name"`
	Users []SeedUser `json:"users"`
}

// SeedBooking is a demo booking and its thread.
type SeedBooking struct {
	ID            int64  `json:"id"`
	CarOwnerID    string `json:"car_owner_id"`
	WorkshopOrgNr string `json:"workshop_org_nr"`
	ThreadID      string `json:"thread_id"`
}

// SeedListing is a demo listing.
type SeedListing struct {
	ID       string `json:"id"`
	SellerID string `json:"seller_id"`
	Title    string `json:"title"`
}

// SeedConversation is a demo marketplace conversation.
type SeedConversation struct {
	ID        string `json:"id"`
	ListingID string `json:"listing_id"`
	BuyerID   string `json:"buyer_id"`
	SellerID  string `json:"seller_id"`
}

// SeedData is what `parley seed --json` prints.
type SeedData struct {
	CarOwners     []SeedUser         `json:"car_owners"`
	Workshops     []SeedWorkshop     `json:"workshops"`
	Bookings      []SeedBooking      `json:"bookings"`
	Buyers        []SeedUser         `json:"buyers"`
	Sellers       []SeedUser         `json:"sellers"`
	Listings      []SeedListing      `json:"listings"`
	Conversations []SeedConversation `json:"conversations"`
}

type person struct{ id, name, role, orgNr string }

var (
	seedCarOwners = []person{{"co-ola", "Ola Nordmann", db.RoleCarOwner, ""}, {"co-kari", "Kari Hansen", db.RoleCarOwner, ""}}
	seedWSUsers   = []person{{"ws-bilfix", "Bilfix Service", db.RoleWorkshop, "921460929"}, {"ws-dekk", "Oslo Dekk Support", db.RoleWorkshop, "923609016"}}
	seedBuyers    = []person{{"usr_per", "Per Berg", db.RoleBuyer, ""}, {"usr_lise", "Lise Dahl", db.RoleBuyer, ""}}
	seedSellers   = []person{{"usr_anne", "Anne Vik", db.RoleSeller, ""}, {"usr_jon", "Jon Lie", db.RoleSeller, ""}}
)

// Seed loads the demo data set through the same resolvers the API uses. It is idempotent:
// what exists already is left alone (looked up first, so no insert meets a conflict and
// burns a sequence id, and no updated_at moves), conversations are get-or-create, and
// clientMessageIds make re-sent lines return the first send. A second run changes nothing.
func Seed(ctx context.Context, a *App) (*SeedData, error) {
	office := auth.WithPrincipal(ctx, &auth.Principal{APIKey: true}, nil)
	m := a.Resolver.MutationRoot()
	people := append(append(append(append([]person{}, seedCarOwners...), seedWSUsers...), seedBuyers...), seedSellers...)
	have, err := existing(ctx, a.Store.UsersByID, people, func(p person) string { return p.id }, func(u *db.User) string { return u.ID })
	if err != nil {
		return nil, err
	}
	for _, p := range people {
		if have[p.id] {
			continue
		}
		in := graph.UpsertUserInput{UserID: p.id, Role: graph.Role(strings.ToUpper(p.role)), Name: &p.name, Verified: ptr(true)}
		if p.orgNr != "" {
			in.OrgNr = &p.orgNr
		}
		if _, err := m.UpsertUser(office, in); err != nil {
			return nil, fmt.Errorf("seed user %s: %w", p.id, err)
		}
	}
	if err := seedWorkshops(office, a); err != nil {
		return nil, err
	}
	data := &SeedData{}
	if data.Bookings, err = seedBookings(ctx, office, a); err != nil {
		return nil, err
	}
	if data.Listings, data.Conversations, err = seedMarket(ctx, office, a); err != nil {
		return nil, err
	}
	return data, a.fillTokens(data)
}

func seedWorkshops(office context.Context, a *App) error {
	workshops := []graph.UpsertWorkshopInput{
		{OrgNr: "921460929", Name: "Bilfix Grünerløkka", AddressLine: ptr("Thorvald Meyers gate 12"), City: ptr("Oslo"),
			PostalCode: ptr("0555"), Latitude: ptr(59.9226), Longitude: ptr(10.7590), AvgRating: ptr(4.6), TotalReviews: ptr(128),
			Categories: []any{map[string]any{"id": 1, "name": "Service"}, map[string]any{"id": 2, "name": "Bremser"}},
			Logo:       []any{map[string]any{"url": "https://cdn.example.no/logos/bilfix.png", "size": "small"}},
			Services: []*graph.WorkshopServiceInput{{Name: "EU-kontroll", Category: ptr("Kontroll"), Price: 990},
				{Name: "Bremseskift foran", Category: ptr("Bremser"), Price: 2490}, {Name: "Oljeskift", Category: ptr("Service"), Price: 1290}}},
		{OrgNr: "923609016", Name: "Oslo Dekk og Felg", AddressLine: ptr("Økernveien 99"), City: ptr("Oslo"),
			PostalCode: ptr("0579"), Latitude: ptr(59.9290), Longitude: ptr(10.8020), AvgRating: ptr(4.2), TotalReviews: ptr(57),
			Categories: []any{map[string]any{"id": 3, "name": "Dekk"}},
			Services: []*graph.WorkshopServiceInput{{Name: "Dekkskift", Category: ptr("Dekk"), Price: 599},
				{Name: "Dekkhotell", Category: ptr("Dekk"), Price: 1490}}},
		{OrgNr: "974760673", Name: "Bergen Bilverksted", AddressLine: ptr("Kanalveien 5"), City: ptr("Bergen"),
			PostalCode: ptr("5068"), Latitude: ptr(60.3710), Longitude: ptr(5.3470), AvgRating: ptr(4.8), TotalReviews: ptr(203),
			Services: []*graph.WorkshopServiceInput{{Name: "Service", Category: ptr("Service"), Price: 2990}}},
	}
	have, err := existing(office, a.Store.WorkshopsByOrgNr, workshops,
		func(w graph.UpsertWorkshopInput) string { return w.OrgNr }, func(w *db.Workshop) string { return w.OrgNr })
	if err != nil {
		return err
	}
	for _, w := range workshops {
		if have[w.OrgNr] {
			continue
		}
		if _, err := a.Resolver.MutationRoot().UpsertWorkshop(office, w); err != nil {
			return fmt.Errorf("seed workshop %s: %w", w.OrgNr, err)
		}
	}
	return nil
}

type seedLine struct {
	from person
	body string
}

func seedBookings(ctx, office context.Context, a *App) ([]SeedBooking, error) {
	bookings := []struct {
		id    int
		owner person
		shop  person
		lines []seedLine
	}{
		{1001, seedCarOwners[0], seedWSUsers[0], []seedLine{
			{seedCarOwners[0], "Hei! Kan dere se på bremsene når bilen er inne til EU-kontroll?"},
			{seedWSUsers[0], "Hei Ola, ja det ordner vi. Vi ringer hvis vi finner noe."},
			{seedWSUsers[0], "Bremseklossene foran er slitt. Skal vi bytte dem? Pris 2490 kr."}}},
		{1002, seedCarOwners[1], seedWSUsers[1], []seedLine{
			{seedCarOwners[1], "Har dere plass til dekkskift på fredag?"},
			{seedWSUsers[1], "Ja, kl. 10 passer fint. Velkommen!"}}},
		{1003, seedCarOwners[0], seedWSUsers[1], []seedLine{
			{seedWSUsers[1], "Dekkene dine er klare for henting i dekkhotellet."}}},
	}
	var ids []int64
	for _, b := range bookings {
		ids = append(ids, int64(b.id))
	}
	have, err := existing(ctx, a.Store.BookingsByID, ids, func(id int64) int64 { return id }, func(b *db.Booking) int64 { return b.ID })
	if err != nil {
		return nil, err
	}
	var out []SeedBooking
	for _, b := range bookings {
		in := graph.UpsertBookingInput{BookingID: b.id, CarOwnerID: b.owner.id, WorkshopOrgNr: b.shop.orgNr}
		if !have[int64(b.id)] {
			if _, err := a.Resolver.MutationRoot().UpsertBooking(office, in); err != nil {
				return nil, fmt.Errorf("seed booking %d: %w", b.id, err)
			}
		}
		start, err := a.Resolver.MutationRoot().StartConversation(as(ctx, b.owner), graph.StartConversationInput{BookingID: &b.id})
		if err != nil {
			return nil, fmt.Errorf("seed booking thread %d: %w", b.id, err)
		}
		if err := sendLines(ctx, a, start.Conversation.ID, fmt.Sprintf("seed-b%d", b.id), b.lines); err != nil {
			return nil, err
		}
		out = append(out, SeedBooking{ID: int64(b.id), CarOwnerID: b.owner.id, WorkshopOrgNr: b.shop.orgNr,
			ThreadID: strconv.FormatInt(start.Conversation.ID, 10)})
	}
	return out, nil
}

func seedMarket(ctx, office context.Context, a *App) ([]SeedListing, []SeedConversation, error) {
	listings := []struct {
		id, title string
		price     float64
		seller    person
		buyer     person
		lines     []seedLine
	}{
		{"tesla3", "Tesla Model 3 Long Range 2021", 289000, seedSellers[0], seedBuyers[0], []seedLine{
			{seedBuyers[0], "Hei, er bilen fortsatt til salgs?"},
			{seedSellers[0], "Ja, den er det. Vil du komme på visning?"}}},
		{"golf7", "Volkswagen Golf 1.4 TSI 2017", 149000, seedSellers[1], seedBuyers[1], []seedLine{
			{seedBuyers[1], "Hvor mange km har den gått?"},
			{seedSellers[1], "Rundt 84 000 km, full servicehistorikk."},
			{seedBuyers[1], "Flott, kan jeg prøvekjøre den på lørdag?"}}},
	}
	var ids []string
	for _, l := range listings {
		ids = append(ids, l.id)
	}
	have, err := existing(ctx, a.Store.ListingsByID, ids, func(id string) string { return id }, func(l *db.Listing) string { return l.ID })
	if err != nil {
		return nil, nil, err
	}
	var ls []SeedListing
	var cs []SeedConversation
	for _, l := range listings {
		in := graph.UpsertListingInput{ListingID: l.id, SellerID: l.seller.id, Title: l.title, Price: &l.price,
			ThumbnailURL: ptr("https://cdn.example.no/listings/" + l.id + ".jpg")}
		if !have[l.id] {
			if _, err := a.Resolver.MutationRoot().UpsertListing(office, in); err != nil {
				return nil, nil, fmt.Errorf("seed listing %s: %w", l.id, err)
			}
		}
		start, err := a.Resolver.MutationRoot().StartConversation(as(ctx, l.buyer), graph.StartConversationInput{ListingID: &l.id})
		if err != nil {
			return nil, nil, fmt.Errorf("seed conversation %s: %w", l.id, err)
		}
		if err := sendLines(ctx, a, start.Conversation.ID, "seed-l-"+l.id, l.lines); err != nil {
			return nil, nil, err
		}
		ls = append(ls, SeedListing{ID: "lst_" + l.id, SellerID: l.seller.id, Title: l.title})
		cs = append(cs, SeedConversation{ID: "conv_" + strconv.FormatInt(start.Conversation.ID, 10),
			ListingID: "lst_" + l.id, BuyerID: l.buyer.id, SellerID: l.seller.id})
	}
	return ls, cs, seedTemplate(ctx, a)
}

// seedTemplate creates the seller's template unless a template of that name exists.
func seedTemplate(ctx context.Context, a *App) error {
	seller := as(ctx, seedSellers[0])
	tpl := graph.CreateMessageTemplateInput{Name: "Visning", Category: ptr("viewing"),
		Content: "Hei {{name}}! Du er velkommen på visning {{day}} kl. {{time}}."}
	ts, err := a.Resolver.QueryRoot().MessageTemplates(seller)
	if err != nil {
		return fmt.Errorf("seed template: %w", err)
	}
	for _, t := range ts {
		if t.Name == tpl.Name {
			return nil
		}
	}
	if _, err := a.Resolver.MutationRoot().CreateMessageTemplate(seller, tpl); err != nil && !isConflict(err) {
		return fmt.Errorf("seed template: %w", err)
	}
	return nil
}

// existing reports which of want are stored already, by key, read through load.
func existing[W any, K comparable, R any](ctx context.Context, load func(context.Context, []K) ([]R, error), want []W,
	keyOf func(W) K, storedKey func(R) K) (map[K]bool, error) {
	keys := make([]K, len(want))
	for i, w := range want {
		keys[i] = keyOf(w)
	}
	rows, err := load(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("seed: look up existing rows: %w", err)
	}
	have := make(map[K]bool, len(rows))
	for _, r := range rows {
		have[storedKey(r)] = true
	}
	return have, nil
}

// sendLines sends a scripted exchange; clientMessageIds make a re-run send nothing new.
func sendLines(ctx context.Context, a *App, conversationID int64, prefix string, lines []seedLine) error {
	for i, l := range lines {
		in := graph.SendMessageInput{ConversationID: strconv.FormatInt(conversationID, 10), Body: &lines[i].body,
			ClientMessageID: ptr(fmt.Sprintf("%s-%d", prefix, i))}
		if _, err := a.Resolver.MutationRoot().SendMessage(as(ctx, l.from), in); err != nil {
			return fmt.Errorf("seed message %s-%d: %w", prefix, i, err)
		}
	}
	return nil
}

func (a *App) fillTokens(d *SeedData) error {
	var err error
	tok := func(p person) SeedUser {
		t, _, e := a.Auth.Mint(viewerOf(p), a.Auth.MaxTTL)
		if e != nil {
			err = e
		}
		return SeedUser{ID: p.id, Name: p.name, Token: t}
	}
	for _, p := range seedCarOwners {
		d.CarOwners = append(d.CarOwners, tok(p))
	}
	d.Workshops = []SeedWorkshop{
		{OrgNr: "921460929", Name: "Bilfix Grünerløkka", Users: []SeedUser{tok(seedWSUsers[0])}},
		{OrgNr: "923609016", Name: "Oslo Dekk og Felg", Users: []SeedUser{tok(seedWSUsers[1])}},
	}
	for _, p := range seedBuyers {
		d.Buyers = append(d.Buyers, tok(p))
	}
	for _, p := range seedSellers {
		d.Sellers = append(d.Sellers, tok(p))
	}
	return err
}

func viewerOf(p person) db.Viewer {
	return db.Viewer{UserID: p.id, Role: p.role, OrgNr: p.orgNr, Name: p.name}
}

// as is ctx acting as a seeded user.
func as(ctx context.Context, p person) context.Context {
	v := viewerOf(p)
	return auth.WithPrincipal(ctx, &auth.Principal{User: &v}, nil)
}

func isConflict(err error) bool { return errors.Is(err, db.ErrConflict) }

func ptr[T any](v T) *T { return &v }
