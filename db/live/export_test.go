package live

// WakeUps is how many wake-ups the hub has handled, read at once or after its gap.
func (h *Hub) WakeUps() int64 { return h.wakeUps.Load() }
