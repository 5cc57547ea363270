-- The prévisionnel keeps the week it was made for (week_start, week_end: ISO dates), so that
-- the bilan and the dashboard compare a period only with the plan of that period
-- (pos/plan.py plan_cover). A plan saved before has none: it is the coop's week in force.
CREATE TABLE plan_facts_new (
    key TEXT PRIMARY KEY
        CHECK (key IN ('float', 'market_days', 'market_hours', 'week_start', 'week_end')),
    value TEXT NOT NULL
);
INSERT INTO plan_facts_new SELECT key, value FROM plan_facts;
DROP TABLE plan_facts;
ALTER TABLE plan_facts_new RENAME TO plan_facts;
