package live

// registry keeps subscribers by a key (a party or a user id).
type registry[S comparable] map[string]map[S]struct{}

func (r registry[S]) add(key string, s S) {
	if r[key] == nil {
		r[key] = map[S]struct{}{}
	}
	r[key][s] = struct{}{}
}

func (r registry[S]) remove(key string, s S) {
	delete(r[key], s)
	if len(r[key]) == 0 {
		delete(r, key)
	}
}

func (r registry[S]) each(key string, fn func(S)) {
	for s := range r[key] {
		fn(s)
	}
}

func (r registry[S]) count() int {
	n := 0
	for _, m := range r {
		n += len(m)
	}
	return n
}
