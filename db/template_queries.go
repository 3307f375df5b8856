package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

var templateVar = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}`)

// TemplateVariables lists the {{variables}} content names, in order of first use.
func TemplateVariables(content string) []string {
	seen := map[string]bool{}
	vars := []string{}
	for _, m := range templateVar.FindAllStringSubmatch(content, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			vars = append(vars, m[1])
		}
	}
	return vars
}

// RenderTemplate fills content's {{variables}}; variables without a value are an error naming
// every one of them, so a client can fix the send in one go.
func RenderTemplate(content string, values map[string]string) (string, error) {
	var missing []string
	for _, name := range TemplateVariables(content) {
		if _, ok := values[name]; !ok {
			missing = append(missing, "{{"+name+"}}")
		}
	}
	if len(missing) > 0 {
		return "", Invalid("variables", "missing value for %s", strings.Join(missing, ", "))
	}
	return templateVar.ReplaceAllStringFunc(content, func(m string) string {
		return values[templateVar.FindStringSubmatch(m)[1]]
	}), nil
}

// Templates lists the viewer's message templates.
func (s *Store) Templates(ctx context.Context, v Viewer) ([]*MessageTemplate, error) {
	var ts []*MessageTemplate
	if err := s.DB.NewSelect().Model(&ts).Where("owner_id = ?", v.UserID).Order("category", "name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return ts, nil
}

// Template loads one of the viewer's templates.
func (s *Store) Template(ctx context.Context, v Viewer, id int64) (*MessageTemplate, error) {
	t := new(MessageTemplate)
	err := s.DB.NewSelect().Model(t).Where("id = ? AND owner_id = ?", id, v.UserID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("template: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load template: %w", err)
	}
	return t, nil
}

// CreateTemplate stores a template owned by the viewer; names are unique per owner.
func (s *Store) CreateTemplate(ctx context.Context, v Viewer, t *MessageTemplate) error {
	t.Name, t.Category, t.Content = strings.TrimSpace(t.Name), strings.TrimSpace(t.Category), strings.TrimSpace(t.Content)
	switch {
	case t.Name == "" || utf8.RuneCountInString(t.Name) > 100:
		return Invalid("name", "must be 1 to 100 characters")
	case utf8.RuneCountInString(t.Category) > 50:
		return Invalid("category", "must be at most 50 characters")
	case t.Content == "" || utf8.RuneCountInString(t.Content) > MaxBodyRunes:
		return Invalid("content", "must be 1 to %d characters", MaxBodyRunes)
	}
	t.OwnerID = v.UserID
	_, err := s.DB.NewInsert().Model(t).Returning("id, created_at").Exec(ctx)
	if isUniqueViolation(err) {
		return fmt.Errorf("a template named %q exists: %w", t.Name, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("insert template: %w", err)
	}
	return nil
}
