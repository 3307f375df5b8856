package db

// WakesWaiting is how many sends wait for the wake-up under way to finish (tests).
func (s *Store) WakesWaiting() int {
	s.wakes.mu.Lock()
	defer s.wakes.mu.Unlock()
	return len(s.wakes.waiting)
}

// SetEraseSweepHook runs f before an erasure's second round (eraseMessages).
func (s *Store) SetEraseSweepHook(f func()) { s.eraseSweepHook = f }
