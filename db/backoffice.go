package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// UpsertUser creates or refreshes a user. Empty name and avatar keep what is stored.
func (s *Store) UpsertUser(ctx context.Context, u *User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	res, err := s.DB.NewInsert().Model(u).
		On("CONFLICT (id) DO UPDATE").
		Set("role = EXCLUDED.role").
		Set("name = CASE WHEN EXCLUDED.name = '' THEN u.name ELSE EXCLUDED.name END").
		Set("avatar_url = CASE WHEN EXCLUDED.avatar_url = '' THEN u.avatar_url ELSE EXCLUDED.avatar_url END").
		Set("verified = EXCLUDED.verified OR u.verified").
		Set("org_nr = EXCLUDED.org_nr").
		Set("email = coalesce(EXCLUDED.email, u.email)").
		Set("locale = coalesce(EXCLUDED.locale, u.locale)").
		Set("last_seen_at = coalesce(EXCLUDED.last_seen_at, u.last_seen_at)").
		Set("updated_at = now()").
		Where("u.erased_at IS NULL"). // an erasure is final: sign-ins do not write the fields back
		Returning("*").Exec(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("user %q: %w", u.ID, ErrErased)
	}
	if err != nil {
		return fmt.Errorf("upsert user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", u.ID, ErrErased)
	}
	return nil
}

func validateUser(u *User) error {
	u.ID = strings.TrimSpace(u.ID)
	switch {
	case u.ID == "" || len(u.ID) > 128 || strings.HasPrefix(u.ID, "org:"):
		return Invalid("userId", "must be 1 to 128 characters and not start with org:")
	case !ValidRole(u.Role):
		return Invalid("role", "must be car_owner, workshop, buyer or seller")
	case u.Role == RoleWorkshop && (u.OrgNr == nil || !ValidOrgNr(*u.OrgNr)):
		return Invalid("orgNr", "a workshop user needs a valid 9-digit organisation number")
	case u.Email != nil && !validEmail(*u.Email):
		return Invalid("email", "must be a plain e-mail address such as name@example.no")
	case u.Locale != nil && !ValidLocale(*u.Locale):
		return Invalid("locale", "must be nb or en")
	}
	if u.Role != RoleWorkshop {
		u.OrgNr = nil
	}
	return nil
}

// TouchUser records that a user was seen with these claims: it creates the user on first sight.
// It returns the user's token revocation time (zero when none), read by the same statement.
func (s *Store) TouchUser(ctx context.Context, v Viewer) (revokedBefore time.Time, err error) {
	u := &User{ID: v.UserID, Role: v.Role, Name: v.Name}
	if v.OrgNr != "" {
		u.OrgNr = &v.OrgNr
	}
	if v.Locale != "" {
		u.Locale = &v.Locale
	}
	now := time.Now()
	u.LastSeenAt = &now
	if err := s.UpsertUser(ctx, u); errors.Is(err, ErrErased) {
		return ErasedTokensBefore, nil
	} else if err != nil {
		return time.Time{}, err
	}
	return deref(u.TokensRevokedBefore), nil
}

// UpsertWorkshop creates or replaces a workshop and its services, and refreshes its search
// document.
func (s *Store) UpsertWorkshop(ctx context.Context, w *Workshop, services []*WorkshopService) error {
	if !ValidOrgNr(w.OrgNr) {
		return Invalid("orgNr", "%q is not a valid organisation number (9 digits, MOD11 check digit)", w.OrgNr)
	}
	if strings.TrimSpace(w.Name) == "" {
		return Invalid("name", "must not be empty")
	}
	for _, sv := range services {
		if strings.TrimSpace(sv.Name) == "" || sv.Price < 0 {
			return Invalid("services", "every service needs a name and a price of 0 or more")
		}
		sv.OrgNr = w.OrgNr
	}
	if w.Logo == nil {
		w.Logo = []json.RawMessage{}
	}
	if w.Categories == nil {
		w.Categories = []json.RawMessage{}
	}
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(w).On("CONFLICT (org_nr) DO UPDATE").
			Set("name = EXCLUDED.name, address_line = EXCLUDED.address_line, city = EXCLUDED.city").
			Set("postal_code = EXCLUDED.postal_code, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude").
			Set("logo = EXCLUDED.logo, categories = EXCLUDED.categories, avg_rating = EXCLUDED.avg_rating").
			Set("total_reviews = EXCLUDED.total_reviews, updated_at = now()").
			Returning("created_at, updated_at").Exec(ctx)
		if err != nil {
			return fmt.Errorf("upsert workshop: %w", err)
		}
		if _, err := tx.NewDelete().Model((*WorkshopService)(nil)).Where("org_nr = ?", w.OrgNr).Exec(ctx); err != nil {
			return fmt.Errorf("replace services: %w", err)
		}
		if len(services) > 0 {
			if _, err := tx.NewInsert().Model(&services).Exec(ctx); err != nil {
				return fmt.Errorf("insert services: %w", err)
			}
		}
		return refreshSearchDoc(ctx, tx, w.OrgNr)
	})
}

// refreshSearchDoc rebuilds a workshop's search text and document, unaccented so that a search
// folds accents (SearchWorkshops unaccents the query the same way).
func refreshSearchDoc(ctx context.Context, tx bun.Tx, orgNr string) error {
	_, err := tx.NewRaw(`UPDATE workshops AS w SET
			search_text = unaccent(concat_ws(' ', w.name, w.address_line, w.postal_code, w.city, x.services, x.categories)),
			search_doc = setweight(to_tsvector('simple', unaccent(w.name)), 'A')
				|| setweight(to_tsvector('simple', unaccent(concat_ws(' ', w.address_line, w.postal_code, w.city))), 'B')
				|| setweight(to_tsvector('simple', unaccent(concat_ws(' ', x.services, x.categories))), 'C')
		FROM (SELECT
				(SELECT string_agg(name || ' ' || category, ' ') FROM workshop_services WHERE org_nr = ?0) AS services,
				(SELECT string_agg(v #>> '{}', ' ') FROM workshops AS w2,
					jsonb_path_query(w2.categories, 'strict $.** \? (@.type() == "string")') AS v
				 WHERE w2.org_nr = ?0) AS categories) AS x
		WHERE w.org_nr = ?0`, orgNr).Exec(ctx)
	if err != nil {
		return fmt.Errorf("refresh search document: %w", err)
	}
	return nil
}

// UpsertBooking creates or updates a booking and makes sure its thread exists with the car
// owner and the workshop as its participants.
func (s *Store) UpsertBooking(ctx context.Context, b *Booking) error {
	if b.ID <= 0 {
		return Invalid("bookingId", "must be a positive integer")
	}
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := mustExist(ctx, tx, "users", "id = ? AND role = 'car_owner'", b.CarOwnerID, "carOwnerId", "no car owner with id %q"); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, "workshops", "org_nr = ?", b.WorkshopOrgNr, "workshopOrgNr", "no workshop with org_nr %q"); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(b).On("CONFLICT (id) DO UPDATE").
			Set("car_owner_id = EXCLUDED.car_owner_id, workshop_org_nr = EXCLUDED.workshop_org_nr, updated_at = now()").
			Returning("created_at, updated_at").Exec(ctx)
		if err != nil {
			return fmt.Errorf("upsert booking: %w", err)
		}
		conv := &Conversation{Kind: KindBooking, BookingID: &b.ID}
		created, err := ensureConversation(ctx, tx, conv, "booking_id = ?", b.ID)
		if err != nil {
			return err
		}
		if err := setParticipants(ctx, tx, conv.ID, map[string]string{b.CarOwnerID: RoleCarOwner, OrgParty(b.WorkshopOrgNr): RoleWorkshop}); err != nil {
			return err
		}
		if !created {
			return nil
		}
		return conversationCreatedWebhook(ctx, tx, conv.ID)
	})
}

// UpsertListing creates or updates a listing.
func (s *Store) UpsertListing(ctx context.Context, l *Listing) error {
	if l.Status == "" {
		l.Status = "active"
	}
	if strings.TrimSpace(l.Title) == "" {
		return Invalid("title", "must not be empty")
	}
	if l.Price < 0 {
		return Invalid("price", "must be 0 or more")
	}
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := mustExist(ctx, tx, "users", "id = ?", l.SellerID, "sellerId", "no user with id %q"); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(l).On("CONFLICT (id) DO UPDATE").
			Set("seller_id = EXCLUDED.seller_id, title = EXCLUDED.title, price = EXCLUDED.price").
			Set("thumbnail_url = EXCLUDED.thumbnail_url, status = EXCLUDED.status, updated_at = now()").
			Returning("created_at, updated_at").Exec(ctx)
		if err != nil {
			return fmt.Errorf("upsert listing: %w", err)
		}
		return nil
	})
}

func mustExist(ctx context.Context, tx bun.Tx, table, where string, arg any, field, msg string) error {
	ok, err := tx.NewSelect().Table(table).Where(where, arg).Exists(ctx)
	if err != nil {
		return fmt.Errorf("check %s: %w", table, err)
	}
	if !ok {
		return Invalid(field, msg, arg)
	}
	return nil
}

// ensureConversation inserts conv unless a conversation matches where, and loads that one.
// It reports whether it created it. It looks first: an INSERT that meets a conflict still
// takes an id from the sequence, so re-running an upsert would burn ids.
func ensureConversation(ctx context.Context, tx bun.Tx, conv *Conversation, where string, args ...any) (bool, error) {
	err := tx.NewSelect().Model(conv).Where(where, args...).Scan(ctx)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("find conversation: %w", err)
	}
	res, err := tx.NewInsert().Model(conv).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("create conversation: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.NewSelect().Model(conv).Where(where, args...).Scan(ctx); err != nil {
		return false, fmt.Errorf("load conversation: %w", err)
	}
	if n == 1 {
		return true, emit(ctx, tx, ChannelState, "c", conv.ID)
	}
	return false, nil
}

// setParticipants makes parties (party id -> role) the participants of a conversation, keeping
// the read state of those who stay.
func setParticipants(ctx context.Context, tx bun.Tx, conversationID int64, parties map[string]string) error {
	keep := make([]string, 0, len(parties))
	for party, role := range parties {
		keep = append(keep, party)
		p := &Participant{ConversationID: conversationID, PartyID: party, Role: role}
		if _, err := tx.NewInsert().Model(p).On("CONFLICT (conversation_id, party_id) DO UPDATE").
			Set("role = EXCLUDED.role").Exec(ctx); err != nil {
			return fmt.Errorf("add participant: %w", err)
		}
	}
	_, err := tx.NewDelete().Model((*Participant)(nil)).
		Where("conversation_id = ? AND party_id NOT IN (?)", conversationID, bun.In(keep)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("remove participants: %w", err)
	}
	return nil
}

// ValidLocale tells whether Parley speaks the language: Norwegian bokmål or English.
func ValidLocale(l string) bool { return l == "nb" || l == "en" }

// validEmail accepts a bare address (no display name, no angle brackets), at most 254 bytes.
func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && a.Name == "" && len(e) <= 254
}

// LocaleOf reads a language tag such as nb, nb-NO, no, nn or en-GB as the locale Parley
// speaks for it, or "" when it speaks none.
func LocaleOf(tag string) string {
	lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	lang, _, _ = strings.Cut(lang, "_")
	switch lang {
	case "nb", "no", "nn":
		return "nb"
	case "en":
		return "en"
	}
	return ""
}
