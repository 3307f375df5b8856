package db

// Node is any object with a global id; GraphQL's Node interface binds to it.
type Node interface{}

// Subject is what a conversation is about: a *Booking or a *Listing.
type Subject interface{}
