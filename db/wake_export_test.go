package db

// SetEraseSweepHook runs f before an erasure's second round (eraseMessages).
func (s *Store) SetEraseSweepHook(f func()) { s.eraseSweepHook = f }
