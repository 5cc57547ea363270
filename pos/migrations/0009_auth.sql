-- Wrong PINs slow an attacker down without ever locking anyone out for good: one row per
-- scope ('member:ID', 'device:ADDRESS', 'trusted:ID:DEVICE'), its failures and the delay.
CREATE TABLE pin_throttle (
    scope TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    delayed_until TEXT,
    last_failure_at TEXT NOT NULL
);
-- The old rule's permanent locks ('admin') and minute locks are lifted.
UPDATE members SET failed_pins = 0, locked_until = NULL;

-- Sessions live on the server: logging out, a handover or « déconnecter tous les appareils »
-- ends them, so a copied cookie is worth nothing afterwards.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,                 -- SHA-256 of the random id the cookie carries
    member_id INTEGER NOT NULL REFERENCES members(id),
    created_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX web_sessions_member ON web_sessions(member_id) WHERE ended_at IS NULL;

-- API tokens carry scopes: sell, refund, read (comma-separated). Existing tokens keep
-- what they could do before, refunds included.
ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'sell,read';
UPDATE tokens SET scopes = 'sell,refund,read';
