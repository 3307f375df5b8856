package db

// Roles a token can carry.
const (
	RoleCarOwner = "car_owner"
	RoleWorkshop = "workshop"
	RoleBuyer    = "buyer"
	RoleSeller   = "seller"
)

// Conversation kinds.
const (
	KindBooking = "booking"
	KindListing = "listing"
)

// Viewer is who is asking. A workshop user acts for its organisation; the others for themselves.
type Viewer struct {
	UserID string
	Role   string
	OrgNr  string
	Name   string
	// Locale is the token's language claim (nb, en, or "" for none).
	Locale string
}

// Party is the participant key the viewer reads and writes as.
func (v Viewer) Party() string {
	if v.Role == RoleWorkshop {
		return OrgParty(v.OrgNr)
	}
	return v.UserID
}

// Kind is the marketplace the viewer's role belongs to: a car owner's token never opens a
// listing conversation, a buyer's never a booking thread.
func (v Viewer) Kind() string {
	if v.Role == RoleCarOwner || v.Role == RoleWorkshop {
		return KindBooking
	}
	return KindListing
}

// OrgParty is the party id of a workshop.
func OrgParty(orgNr string) string { return "org:" + orgNr }

// ValidRole reports whether r is one of the four roles.
func ValidRole(r string) bool {
	switch r {
	case RoleCarOwner, RoleWorkshop, RoleBuyer, RoleSeller:
		return true
	}
	return false
}
