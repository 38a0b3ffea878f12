-- How contractors' ratings become a lead's win_label, and how an operator changes the rule.
\ir test/fixtures/setup.sql

INSERT INTO auth.users (id, email) VALUES
  ('a0000000-0000-0000-0000-000000000001', 'roofer@example.com'),
  ('a0000000-0000-0000-0000-000000000002', 'glazier@example.com'),
  ('a0000000-0000-0000-0000-000000000003', 'siding@example.com');

-- One lead per combination, rated by up to three contractors (as service_role would).
CREATE TEMP TABLE cases (lead_id bigint, ratings text[]);
INSERT INTO cases VALUES
  (1001, '{won}'),
  (1002, '{quoted}'),
  (1003, '{no_answer}'),
  (1004, '{no_answer,bad_contact,not_qualified}'),
  (1005, '{no_answer,quoted}'),
  (1006, '{no_answer,won}'),
  (1007, '{quoted,won,bad_contact}'),
  (1008, '{quoted,quoted}');
SELECT count(*) AS submitted FROM (
  SELECT leadscore.submit_feedback(c.lead_id, r.rating, account_id =>
           ('a0000000-0000-0000-0000-00000000000' || r.n)::uuid)
    FROM cases c, unnest(c.ratings) WITH ORDINALITY AS r(rating, n)) s;

-- Each lead's ratings as they stand now, beside its label.
CREATE TEMP VIEW labels_now AS
  SELECT o.lead_id, array_remove(array_agg(f.rating ORDER BY f.rating), NULL) AS ratings, o.win_label
    FROM leadscore.lead_outcomes o LEFT JOIN leadscore.lead_feedback f USING (lead_id)
   WHERE o.lead_id BETWEEN 1000 AND 1999
   GROUP BY o.lead_id, o.win_label;
SELECT * FROM labels_now ORDER BY lead_id;

-- A contractor changes their mind: the label follows.
SELECT (leadscore.submit_feedback(1005, 'won', account_id => 'a0000000-0000-0000-0000-000000000002')).rating;
SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1005;

-- Feedback deleted: the outcome row stays, unresolved.
DELETE FROM leadscore.lead_feedback WHERE lead_id = 1003;
SELECT * FROM labels_now WHERE lead_id = 1003;

-- An account deleted: its feedback goes, and the labels it decided are re-derived.
DELETE FROM auth.users WHERE id = 'a0000000-0000-0000-0000-000000000002';
SELECT * FROM labels_now WHERE lead_id IN (1005, 1006, 1007) ORDER BY lead_id;

-- The operator decides that a quote nobody followed up is a loss: every label is re-derived.
UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'quoted';
SELECT * FROM labels_now WHERE 'quoted' = ANY (ratings) ORDER BY lead_id;

-- Inserting an existing rating replaces it (this is how a restored dump wins).
INSERT INTO leadscore.rating_labels (rating, win_label, description)
  VALUES ('quoted', NULL, 'back to unresolved');
SELECT rating, win_label, description FROM leadscore.rating_labels ORDER BY rating;
SELECT leadscore.rederive_win_labels() AS changed_when_nothing_changed;
