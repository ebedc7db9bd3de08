-- Recorded answers are now sealed under a key derived from the client's
-- Idempotency-Key, and keys are stored as their SHA-256. Records written before
-- cannot be matched or opened any more: they only replay answers (never user data)
-- and expire within 24 hours anyway, so they are dropped.
DELETE FROM idempotency_keys;
