package db

import "unicode"

// excerptWords is how many words of a long body an excerpt keeps.
const excerptWords = 30

// excerpt is up to excerptWords words of body (as sent) from a little before its first
// matching word, and the matching words' ranges in that excerpt, in code points.
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

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
