-- The back office can refuse every token of a user issued before a moment (revokeUserTokens);
-- authentication reads it back from the same upsert that records the user.
ALTER TABLE users ADD COLUMN tokens_revoked_before timestamptz;
