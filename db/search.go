package db

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/uptrace/bun"
)

// WorkshopHit is a search result.
type WorkshopHit struct {
	Workshop
	Score      float64  `bun:"score"`
	DistanceKm *float64 `bun:"distance_km"`
	Total      int      `bun:"total"`
}

// workshopColumns are the workshop's own columns, without the search document.
const workshopColumns = `w.org_nr, w.name, w.address_line, w.city, w.postal_code, w.latitude, w.longitude,
	w.logo, w.categories, w.avg_rating, w.total_reviews, w.search_text, w.created_at, w.updated_at`

// Point is a position on Earth in degrees.
type Point struct{ Lat, Lng float64 }

// distanceExpr is the great-circle distance in km from (?0, ?1) to the workshop.
const distanceExpr = `CASE WHEN w.latitude IS NULL OR w.longitude IS NULL THEN NULL ELSE
	2 * 6371 * asin(sqrt(power(sin(radians(w.latitude - ?0) / 2), 2)
		+ cos(radians(?0)) * cos(radians(w.latitude)) * power(sin(radians(w.longitude - ?1) / 2), 2))) END`

// SearchWorkshops finds workshops by full text (prefix-matched words over names, addresses,
// services and categories) or by trigram similarity, which forgives typos. With a position,
// the nearest come first; without, the best matches.
func (s *Store) SearchWorkshops(ctx context.Context, text string, near *Point, limit int) ([]*WorkshopHit, error) {
	var hits []*WorkshopHit
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL pg_trgm.word_similarity_threshold = 0.4"); err != nil {
			return err
		}
		q := tx.NewSelect().TableExpr("workshops AS w").ColumnExpr(workshopColumns).ColumnExpr("count(*) OVER () AS total").Limit(limit)
		tsq, text := prefixQuery(text), strings.TrimSpace(text)
		if text == "" {
			q.ColumnExpr("0::float8 AS score")
		} else {
			// The search text and document are stored unaccented; the query is folded the same way.
			q.ColumnExpr("ts_rank(w.search_doc, to_tsquery('simple', unaccent(?0))) + word_similarity(unaccent(?1), w.search_text) AS score", tsq, text)
			q.Where("w.search_doc @@ to_tsquery('simple', unaccent(?0)) OR unaccent(?1) <% w.search_text", tsq, text)
		}
		if near != nil {
			q.ColumnExpr(distanceExpr+" AS distance_km", near.Lat, near.Lng).OrderExpr("distance_km ASC NULLS LAST")
		} else {
			q.ColumnExpr("NULL::float8 AS distance_km")
		}
		q.OrderExpr("score DESC, w.name, w.org_nr")
		return q.Scan(ctx, &hits)
	})
	if err != nil {
		return nil, fmt.Errorf("search workshops: %w", err)
	}
	return hits, nil
}

// prefixQuery turns free text into a tsquery that matches every word as a prefix.
func prefixQuery(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for i, w := range words {
		words[i] = w + ":*"
	}
	if len(words) == 0 {
		return ""
	}
	return strings.Join(words, " & ")
}
