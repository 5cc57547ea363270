-- The "to print" list: every receipt, duplicate, closure or test page asked of a printer,
-- kept until it has printed, so that a printer that is off never loses a receipt.

CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'duplicate', 'closure', 'test', 'drawer')),
    sale_number INTEGER,
    closure_number INTEGER,
    duplicate INTEGER NOT NULL DEFAULT 0 CHECK (duplicate >= 0),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'printed', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    member TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    tried_at TEXT,
    printed_at TEXT,
    CHECK (kind NOT IN ('receipt', 'duplicate', 'drawer') OR sale_number IS NOT NULL),
    CHECK (kind != 'closure' OR closure_number IS NOT NULL),
    CHECK ((kind = 'duplicate') = (duplicate > 0))
);
CREATE INDEX print_jobs_sale ON print_jobs(sale_number);
CREATE INDEX print_jobs_waiting ON print_jobs(status) WHERE status IN ('pending', 'failed');
-- Reprints are counted per sale: DUPLICATA n° 1, 2, 3... each number once.
CREATE UNIQUE INDEX print_jobs_duplicate ON print_jobs(sale_number, duplicate) WHERE kind = 'duplicate';
