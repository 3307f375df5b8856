package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// CodeQueryTooComplex refuses a document whose shape is over a limit (size, tokens, depth,
// aliases, directives, fields); gqlgen's own price check keeps COMPLEXITY_LIMIT_EXCEEDED.
const CodeQueryTooComplex = "QUERY_TOO_COMPLEX"

// shapeLimit bounds what a document may cost before gqlgen parses, validates or prices it:
// validation and the complexity count expand every fragment spread and compare fields pairwise,
// so without these bounds a small anonymous request can keep a CPU busy for minutes. It runs
// once gqlgen knows the text (after persisted queries).
type shapeLimit struct {
	maxTokens, maxDirectives          int
	maxDepth, maxIntrospectionDepth   int
	maxAliases, maxFields, maxRepeats int
	checked                           graphql.Cache[*ast.QueryDocument] // gqlgen's cache of valid documents
}

// byteLimit refuses oversized text before anything else, persisted-query registration included.
type byteLimit struct{ max int }

var (
	_ graphql.HandlerExtension          = shapeLimit{}
	_ graphql.OperationParameterMutator = shapeLimit{}
	_ graphql.OperationParameterMutator = byteLimit{}
)

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (byteLimit) ExtensionName() string                    { return "ByteLimit" }
func (byteLimit) Validate(graphql.ExecutableSchema) error  { return nil }

func tooComplex(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": CodeQueryTooComplex}
	return err
}

func (l byteLimit) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Query) > l.max {
		return tooComplex("The query is %d bytes, more than the %d allowed.", len(p.Query), l.max)
	}
	return nil
}

func (l shapeLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if l.checked != nil {
		if _, ok := l.checked.Get(ctx, p.Query); ok {
			return nil // parsed, checked and validated before
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.maxTokens)
	if overTokenLimit(err, l.maxTokens) {
		return tooComplex("The query has more than %d tokens.", l.maxTokens)
	}
	if err != nil {
		return nil //nolint:nilerr // gqlgen's own parse reports it
	}
	return l.check(doc)
}

// overTokenLimit tells the parser's token bound from a syntax error: gqlparser gives it no
// type of its own, only this message and no location.
func overTokenLimit(err error, limit int) bool {
	var gerr *gqlerror.Error
	return errors.As(err, &gerr) && len(gerr.Locations) == 0 && gerr.Message == fmt.Sprintf("exceeded token limit of %d", limit)
}

// check measures every operation with each fragment measured once, then, when the document
// is known to be small once expanded, counts the fields merged at each response key.
func (l shapeLimit) check(doc *ast.QueryDocument) *gqlerror.Error {
	w := newWalker(doc)
	var total shape
	for _, op := range doc.Operations {
		w.directives += len(op.Directives)
		for _, v := range op.VariableDefinitions {
			w.directives += len(v.Directives)
		}
		total = total.and(w.set(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		w.fragment(f.Name) // unused fragments are validated too
	}
	switch {
	case w.cycle != "":
		return tooComplex("Fragment %q spreads itself.", w.cycle)
	case w.directives > l.maxDirectives:
		return tooComplex("The query uses %d directives, more than the %d allowed.", w.directives, l.maxDirectives)
	case total.fields > l.maxFields:
		return tooComplex("The query selects %s fields once its fragments are expanded, more than the %d allowed.", count(total.fields), l.maxFields)
	case total.depth > l.maxDepth:
		return tooComplex("The query is %d levels deep, more than the %d allowed.", total.depth, l.maxDepth)
	case total.introDepth > l.maxIntrospectionDepth:
		return tooComplex("The introspection query is %d levels deep, more than the %d allowed.", total.introDepth, l.maxIntrospectionDepth)
	case total.aliases > l.maxAliases:
		return tooComplex("The query uses %s aliases, more than the %d allowed.", count(total.aliases), l.maxAliases)
	}
	for _, op := range doc.Operations {
		if n := w.repeats([]ast.SelectionSet{op.SelectionSet}); n > l.maxRepeats {
			return tooComplex("The query selects one field %d times in one place, more than the %d allowed.", n, l.maxRepeats)
		}
	}
	return nil
}

// ceiling keeps expanded counts from overflowing: ten levels of ten spreads is 10^10 fields.
const ceiling = 1 << 40

func count(n int) string {
	if n >= ceiling {
		return "more than a trillion"
	}
	return strconv.Itoa(n)
}

// shape is what a selection set costs with every fragment spread expanded.
type shape struct {
	depth, introDepth int // deepest ordinary nesting, and deepest below __schema or __type
	fields, aliases   int
}

func (s shape) and(o shape) shape {
	return shape{depth: max(s.depth, o.depth), introDepth: max(s.introDepth, o.introDepth),
		fields: min(s.fields+o.fields, ceiling), aliases: min(s.aliases+o.aliases, ceiling)}
}

type walker struct {
	frags      map[string]*ast.FragmentDefinition
	memo       map[string]*shape // nil while a fragment is being measured
	directives int               // as written: validation visits each fragment once
	cycle      string
}

func newWalker(doc *ast.QueryDocument) *walker {
	w := &walker{frags: map[string]*ast.FragmentDefinition{}, memo: map[string]*shape{}}
	for _, f := range doc.Fragments {
		if w.frags[f.Name] == nil {
			w.frags[f.Name] = f
		}
	}
	return w
}

func (w *walker) set(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			w.directives += len(x.Directives)
			s = s.and(w.field(x))
		case *ast.InlineFragment:
			w.directives += len(x.Directives)
			s = s.and(w.set(x.SelectionSet))
		case *ast.FragmentSpread:
			w.directives += len(x.Directives)
			s = s.and(w.fragment(x.Name))
		}
	}
	return s
}

// field measures f and what is below it. Introspection is deep by nature (type references
// nest ofType), so it has its own depth limit and ordinary queries keep a strict one.
func (w *walker) field(f *ast.Field) shape {
	c := w.set(f.SelectionSet)
	s := shape{fields: min(c.fields+1, ceiling), aliases: c.aliases}
	if f.Alias != "" && f.Alias != f.Name {
		s.aliases = min(s.aliases+1, ceiling)
	}
	if f.Name == "__schema" || f.Name == "__type" {
		s.introDepth = 1 + max(c.depth, c.introDepth)
		return s
	}
	s.depth = 1 + c.depth
	if c.introDepth > 0 {
		s.introDepth = 1 + c.introDepth
	}
	return s
}

// fragment measures a fragment once, however often it is spread.
func (w *walker) fragment(name string) shape {
	if s, ok := w.memo[name]; ok {
		if s == nil {
			w.cycle = name
			return shape{}
		}
		return *s
	}
	def := w.frags[name]
	if def == nil {
		return shape{} // validation reports the unknown name
	}
	w.memo[name] = nil
	w.directives += len(def.Directives)
	s := w.set(def.SelectionSet)
	w.memo[name] = &s
	return s
}

// repeats is the most fields that land on one response key among sets, which are merged into
// one object of the answer; validation compares such fields pairwise. It expands fragments, so
// it runs only once the expanded field count is known to be small and fragments acyclic.
func (w *walker) repeats(sets []ast.SelectionSet) int {
	counts := map[string]int{}
	below := map[string][]ast.SelectionSet{}
	var visit func(ast.SelectionSet)
	visit = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				key := x.Alias
				if key == "" {
					key = x.Name
				}
				counts[key]++
				if len(x.SelectionSet) > 0 {
					below[key] = append(below[key], x.SelectionSet)
				}
			case *ast.InlineFragment:
				visit(x.SelectionSet)
			case *ast.FragmentSpread:
				if def := w.frags[x.Name]; def != nil {
					visit(def.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		visit(set)
	}
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	for _, sub := range below {
		most = max(most, w.repeats(sub))
	}
	return most
}
