package live

// registry keeps subscribers by a key (a party or a user id) and the conversation they watch
// (0 for all of the key's), so an event for one conversation visits only its subscribers and
// the key's all-conversation ones, not every subscription of a busy workshop.
type registry[S comparable] map[regKey]map[S]struct{}

type regKey struct {
	id   string
	conv int64
}

func (r registry[S]) add(id string, conv int64, s S) {
	k := regKey{id, conv}
	if r[k] == nil {
		r[k] = map[S]struct{}{}
	}
	r[k][s] = struct{}{}
}

func (r registry[S]) remove(id string, conv int64, s S) {
	k := regKey{id, conv}
	delete(r[k], s)
	if len(r[k]) == 0 {
		delete(r, k)
	}
}

// each visits the subscribers of id that want conv: those watching it and those watching all
// (only the latter when conv is 0).
func (r registry[S]) each(id string, conv int64, fn func(S)) {
	for s := range r[regKey{id, 0}] {
		fn(s)
	}
	if conv == 0 {
		return
	}
	for s := range r[regKey{id, conv}] {
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
