package db_test

import (
	"context"
	"slices"
	"testing"

	"github.com/parley/parley/db"
)

// A party's threads sit in two partial indexes, the open ones and the archived or deleted
// ones (migration 20261201000200): the export's walk of its threads reads every one of them,
// in key order, page after page.
func TestExportWalksOpenArchivedAndDeletedThreads(t *testing.T) {
	f := newNotifyFixture(t)
	ctx := context.Background()
	ola := viewer("co-ola", db.RoleCarOwner, "")
	want := []int64{f.bookingConv}
	for id := int64(7010); id < 7016; id++ {
		must(t, f.store.UpsertBooking(ctx, &db.Booking{ID: id, CarOwnerID: "co-ola", WorkshopOrgNr: orgB}))
		conv := threadOf(t, f.store, ola, id)
		want = append(want, conv)
		switch id % 3 {
		case 1:
			must(t, f.store.SetArchived(ctx, ola, conv, true))
		case 2:
			must(t, f.store.DeleteConversation(ctx, ola, conv))
		}
	}
	slices.Sort(want)
	var got []int64
	for after := int64(0); ; {
		var keys []int64
		var docs []string
		err := f.store.DB.NewRaw(db.ExportSections[0].Query, after, 2, "co-ola", ola.Party(), 0).Scan(ctx, &keys, &docs)
		must(t, err)
		if len(keys) == 0 {
			break
		}
		got, after = append(got, keys...), keys[len(keys)-1]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("exported threads %v, want %v", got, want)
	}
}
