package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// shapeLimit refuses documents that are too large, too deep or that alias too much, before
// anything runs: cheap defences against queries built to exhaust the server.
type shapeLimit struct {
	maxBytes, maxDepth, maxAliases int
}

var (
	_ graphql.HandlerExtension          = shapeLimit{}
	_ graphql.OperationParameterMutator = shapeLimit{}
	_ graphql.OperationContextMutator   = shapeLimit{}
)

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }
func limitError(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": CodeBadUserInput}
	return err
}

func (l shapeLimit) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Query) > l.maxBytes {
		return limitError("query is %d bytes, more than the %d allowed", len(p.Query), l.maxBytes)
	}
	return nil
}

func (l shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walker{frags: oc.Doc.Fragments, seen: map[string]bool{}}
	depth := w.depth(oc.Operation.SelectionSet, 1)
	if depth > l.maxDepth {
		return limitError("query is %d levels deep, more than the %d allowed", depth, l.maxDepth)
	}
	if w.aliases > l.maxAliases {
		return limitError("query uses %d aliases, more than the %d allowed", w.aliases, l.maxAliases)
	}
	return nil
}

type walker struct {
	frags   ast.FragmentDefinitionList
	seen    map[string]bool
	aliases int
}

// depth is the deepest field nesting below set, following fragments once each.
func (w *walker) depth(set ast.SelectionSet, level int) int {
	deepest := level - 1
	for _, sel := range set {
		d := level - 1
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			d = level
			if len(s.SelectionSet) > 0 {
				d = w.depth(s.SelectionSet, level+1)
			}
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet, level)
		case *ast.FragmentSpread:
			if f := w.frags.ForName(s.Name); f != nil && !w.seen[s.Name] {
				w.seen[s.Name] = true
				d = w.depth(f.SelectionSet, level)
				delete(w.seen, s.Name)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
