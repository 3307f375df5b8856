-- A party's reactions, for erasure (eraseUser deletes a car owner's reactions) and the data
-- export (the reactions section): without it both read every reaction.
CREATE INDEX message_reactions_party_idx ON message_reactions (party_id, message_id);
