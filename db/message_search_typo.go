package db

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Excerpts are cut here from the body as sent. Full-text hits mark the words ts_headline
// marked; typo hits the words most like a query word, by the trigram measure pg_trgm uses, on
// text folded as parley_fold folds it.

// similarMin is how alike a body word and a query word must be to be marked.
const similarMin = 0.45

// excerptWords is how many words of a long body a typo excerpt keeps.
const excerptWords = 30

// excerpt is up to excerptWords words of body from a little before its first matching word,
// and the matching words' ranges in that excerpt.
func excerpt(body string, match func(word string) bool) (string, []TextRange) {
	type word struct{ start, end int } // code points
	var words []word
	runes := []rune(body)
	for i := 0; i < len(runes); {
		if !isWordRune(runes[i]) {
			i++
			continue
		}
		j := i
		for j < len(runes) && isWordRune(runes[j]) {
			j++
		}
		words = append(words, word{i, j})
		i = j
	}
	var marked []int
	for k, w := range words {
		if match(string(runes[w.start:w.end])) {
			marked = append(marked, k)
		}
	}
	first, last := 0, len(words)
	if len(marked) > 0 {
		first = max(0, marked[0]-5)
	}
	last = min(last, first+excerptWords)
	from, to := 0, len(runes)
	if first > 0 {
		from = words[first].start
	}
	if last < len(words) {
		to = words[last-1].end
	}
	ranges := []TextRange{}
	for _, k := range marked {
		if k >= first && k < last {
			ranges = append(ranges, TextRange{Start: words[k].start - from, Length: words[k].end - words[k].start})
		}
	}
	return string(runes[from:to]), ranges
}

// similarWord reports whether w is like one of the query's words.
func similarWord(w string, query []string) bool {
	folded := fold(w)
	for _, q := range query {
		if trigramSimilarity(folded, fold(q)) >= similarMin {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// fold lower-cases s and drops its accents, and folds ø, æ and ß as unaccent does.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ø':
			b.WriteRune('o')
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// trigramSimilarity is pg_trgm's similarity of two words: shared trigrams over all trigrams,
// each word padded with two spaces in front and one behind.
func trigramSimilarity(a, b string) float64 {
	ta, tb := trigrams(a), trigrams(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	shared := 0
	for t := range ta {
		if tb[t] {
			shared++
		}
	}
	return float64(shared) / float64(len(ta)+len(tb)-shared)
}

func trigrams(w string) map[string]bool {
	r := []rune("  " + w + " ")
	out := make(map[string]bool, len(r))
	for i := 0; i+3 <= len(r); i++ {
		out[string(r[i:i+3])] = true
	}
	return out
}
