package resolvers

import "github.com/parley/parley/db"

// The domain types the root resolvers take and return, named here so that a front door
// (rest-compat) reaches the domain through this package alone and imports nothing of storage.
type (
	Viewer          = db.Viewer
	Thread          = db.Thread
	Participant     = db.Participant
	Message         = db.Message
	Attachment      = db.Attachment
	MessageTemplate = db.MessageTemplate
	Notification    = db.Notification
	UnreadCounts    = db.UnreadCounts
	Report          = db.Report
	User            = db.User
	Booking         = db.Booking
	Listing         = db.Listing
	Workshop        = db.Workshop
	WorkshopHit     = db.WorkshopHit
	WorkshopService = db.WorkshopService
	SendResult      = db.SendResult
)

// Roles a user's token carries.
const (
	RoleCarOwner = db.RoleCarOwner
	RoleWorkshop = db.RoleWorkshop
	RoleBuyer    = db.RoleBuyer
	RoleSeller   = db.RoleSeller
)
