#!/usr/bin/env bash
# ALTER EXTENSION leadscore UPDATE from the oldest release keeps every row and
# ends with the same objects as a fresh install of the newest. Feedback is
# given at 0.1.0; at 0.2.0 a model is registered and activated and leads are
# scored (training needs the newest schema, so the model is trained on the same
# leads in a database at the newest release and its row copied); then the
# update to the newest release must keep feedback, outcomes (labels and
# scores) and models exactly. A fresh install runs one script (the current
# schema, sql/leadscore.sql), so the comparison sets two independent paths
# side by side: the released install script and every upgrade script, against
# the current schema.
source "$(dirname "$0")/lib.sh"
plan 14

oldest=0.1.0
newest=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(pg_config --sharedir)/extension/leadscore.control")
ok "a fresh install of $newest runs one full script, not the upgrade chain" \
   test -f "$(pg_config --sharedir)/extension/leadscore--$newest.sql"

old=$(new_db old) && install_compat "$old" || { echo "Bail out! cannot create a database"; exit 1; }
q "$old" "CREATE EXTENSION leadscore VERSION '$oldest'" >/dev/null
q "$old" "INSERT INTO auth.users (id) VALUES ('$ALICE'), ('$BOB');
          INSERT INTO leadscore.leads (id, permit_value, trade_tags) VALUES (1, 12000, '{roofing}'), (2, NULL, '{}');
          SELECT leadscore.submit_feedback(1, 'won', '\$5-15k', '{good_contact}', 'first', '$ALICE');
          SELECT leadscore.submit_feedback(1, 'no_answer', account_id => '$BOB');
          SELECT leadscore.submit_feedback(2, 'quoted', account_id => '$BOB');
          UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'quoted';" >/dev/null
q "$old" "ALTER EXTENSION leadscore UPDATE TO '0.2.0'" >/dev/null
q "$old" "INSERT INTO leadscore.leads (id, permit_value, trade_tags, created_at)
          SELECT i, 1000 * i, ARRAY[(ARRAY['roofing', 'windows'])[1 + i % 2]], timestamptz '2026-01-01' + make_interval(days => i)
            FROM generate_series(10, 109) i;
          SELECT count(*) FROM leadscore.leads l, LATERAL leadscore.submit_feedback(l.id,
                   CASE WHEN l.permit_value > 60000 OR l.id % 5 = 0 THEN 'won' ELSE 'no_answer' END, account_id => '$ALICE')
           WHERE l.id >= 10;" >/dev/null
trainer=$(new_leadscore_db trainer) || { echo "Bail out! cannot create a database"; exit 1; }
q "$trainer" "INSERT INTO auth.users (id) VALUES ('$ALICE');
            INSERT INTO leadscore.leads (id, permit_value, trade_tags, created_at)
            SELECT i, 1000 * i, ARRAY[(ARRAY['roofing', 'windows'])[1 + i % 2]], timestamptz '2026-01-01' + make_interval(days => i)
              FROM generate_series(10, 109) i;
            SELECT count(*) FROM leadscore.leads l, LATERAL leadscore.submit_feedback(l.id,
                     CASE WHEN l.permit_value > 60000 OR l.id % 5 = 0 THEN 'won' ELSE 'no_answer' END, account_id => '$ALICE');
            SELECT leadscore.train_lead_model(min_feedback => 50, activate => 'never', params => '{\"n_trees\": 10}');" >/dev/null
columns="created_at, algorithm, params, feature_spec, metrics, training_rows, blob"
psql -X -q -d "$trainer" -c "COPY (SELECT $columns FROM leadscore.models) TO STDOUT" |
  psql -X -q -d "$old" -c "COPY leadscore.models ($columns) FROM STDIN"
q "$old" "SELECT leadscore.activate_model((SELECT max(version) FROM leadscore.models))" >/dev/null
# The current library serves a database at the newest release only: at 0.2.0
# it refuses to score, saying what to run, rather than fill an older lead_score.
like "$(q "$old" "SELECT leadscore.score_leads('[{\"id\": 10}]', true)" 2>&1)" \
   "score_lead fills [0-9]+ attributes of leadscore.lead_score, but the type has 8" \
   "at 0.2.0 the current library refuses to score with the old result type, clearly"
# The scores 0.2.0 stored, as its score_leads() wrote them.
q "$old" "INSERT INTO leadscore.leads (id) VALUES (200);
          INSERT INTO leadscore.lead_outcomes AS o (lead_id, win_prob, calibrated_score, score, confidence, method,
                                                    model_version, scored_at, updated_at)
          SELECT id, 0.25 + id / 1000.0, 25 + id / 10, 25 + id / 10, 'medium', 'ml',
                 (SELECT max(version) FROM leadscore.models), now(), now()
            FROM unnest(ARRAY[10, 11, 200]) AS id
          ON CONFLICT (lead_id) DO UPDATE
             SET win_prob = excluded.win_prob, calibrated_score = excluded.calibrated_score, score = excluded.score,
                 confidence = excluded.confidence, method = excluded.method, model_version = excluded.model_version,
                 scored_at = excluded.scored_at, updated_at = excluded.updated_at;" >/dev/null
is "$(q "$old" "SELECT (SELECT count(*) FROM leadscore.models WHERE status = 'active') || ' ' ||
                       (SELECT count(*) FROM leadscore.lead_outcomes WHERE method = 'ml')")" "1 3" \
   "at 0.2.0 the database has an active model and stored scores"

# The user data, as text, in a stable order: the columns the oldest release
# had (and the scores 0.2.0 added), so that columns a later release adds do
# not count as a change.
rows() {
  q "$1" "SELECT string_agg(t, E'\n' ORDER BY t) FROM (
            SELECT 'feedback ' || (f.*)::text AS t FROM leadscore.lead_feedback f
            UNION ALL SELECT 'lead ' || (l.id, l.address, l.permit_value, l.trade_tags, l.created_at, l.attributes,
                                         l.updated_at)::text FROM leadscore.leads l
            UNION ALL SELECT 'outcome ' || (o.lead_id, o.win_label, o.win_prob, o.calibrated_score, o.updated_at,
                                            o.score, o.confidence, o.method, o.model_version, o.scored_at)::text
                        FROM leadscore.lead_outcomes o
            UNION ALL SELECT 'model ' || (m.version, m.created_at, m.algorithm, m.params, m.feature_spec, m.metrics,
                                          m.training_rows, md5(m.blob), m.status, m.activated_at)::text
                        FROM leadscore.models m
            UNION ALL SELECT 'label ' || (r.*)::text FROM leadscore.rating_labels r) x"
}
before=$(rows "$old")
q "$old" "ALTER EXTENSION leadscore UPDATE" >/dev/null
is "$(q "$old" "SELECT extversion FROM pg_extension WHERE extname = 'leadscore'")" "$newest" "updated from $oldest to $newest"
is "$(rows "$old")" "$before" "every row of feedback, leads, outcomes (labels and scores), models and labels is kept"
# The columns 0.4.0 adds to the outcomes are filled from the feedback as it stands.
is "$(q "$old" "SELECT count(*) FILTER (WHERE o.best_rating IS NOT NULL) || ' rated, ' ||
                       count(*) FILTER (WHERE (o.best_rating, o.deal_value) IS DISTINCT FROM (d.best_rating, d.deal_value))
                       || ' differ'
                  FROM leadscore.lead_outcomes o LEFT JOIN leadscore.derived_win_labels d USING (lead_id)")" \
   "102 rated, 0 differ" "every rated lead's outcome has its best rating and deal value after the update"
is "$(q "$old" "SELECT best_rating || ' ' || deal_value FROM leadscore.lead_outcomes WHERE lead_id = 1")" "won 10000.00" \
   "a lead won with a \$5-15k band is worth its typical value"

# The database the updated one must match: a fresh install, as it was made.
fresh=$(new_leadscore_db fresh) || { echo "Bail out! cannot create a database"; exit 1; }

# Every object of the extension with its definition, by name (OIDs differ).
# Privileges are listed grantee by grantee in a fixed order: the order of
# GRANT statements is not part of the schema.
catalog() {
  q "$1" "WITH members AS (
            SELECT classid, objid FROM pg_depend
             WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
               AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore'))
          SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT 'function ' || pg_get_functiondef(p.oid) || ' acl ' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text), '-') FROM unnest(p.proacl) x) AS line
              FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
            UNION ALL
            SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' rls ' || c.relrowsecurity
                   || ' acl ' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text), '-') FROM unnest(c.relacl) x)
              FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
            UNION ALL
            SELECT 'column ' || c.relname || '.' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || ' notnull ' || a.attnotnull || ' default ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
              FROM pg_constraint WHERE connamespace = 'leadscore'::regnamespace
            UNION ALL
            SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index
             WHERE indrelid IN (SELECT objid FROM members WHERE classid = 'pg_class'::regclass)
            UNION ALL
            SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t
             WHERE NOT t.tgisinternal AND t.tgrelid IN (SELECT objid FROM members WHERE classid = 'pg_class'::regclass)
            UNION ALL
            SELECT 'policy ' || tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' '
                   || coalesce(qual, '-') || ' ' || coalesce(with_check, '-')
              FROM pg_policies WHERE schemaname = 'leadscore'
            UNION ALL
            SELECT 'type ' || t.typname || ' ' || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
                                                            FROM pg_enum WHERE enumtypid = t.oid), '-')
              FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
            UNION ALL
            SELECT 'dumped ' || unnest(extconfig)::regclass || ' ' || coalesce(array_to_string(extcondition, ','), '')
              FROM pg_extension WHERE extname = 'leadscore'
            UNION ALL
            SELECT 'schema ' || nspname || ' acl ' || (SELECT coalesce(string_agg(x::text, ',' ORDER BY x::text), '-') FROM unnest(nspacl) x)
              FROM pg_namespace WHERE nspname = 'leadscore'
            UNION ALL
            SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || d.description
              FROM pg_description d JOIN members m ON m.classid = d.classoid AND m.objid = d.objoid
            UNION ALL
            SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid) || ' ' || coalesce(array_to_string(c.reloptions, ','), '')
              FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
             WHERE c.relkind = 'v'
            UNION ALL
            SELECT 'composite ' || t.typname || '.' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
              FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
              JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) x"
}
updated_catalog=$(catalog "$old") || { echo "Bail out! cannot read the catalog"; exit 1; }
fresh_catalog=$(catalog "$fresh") || { echo "Bail out! cannot read the catalog"; exit 1; }
n_updated=$(printf '%s\n' "$updated_catalog" | wc -l)
n_fresh=$(printf '%s\n' "$fresh_catalog" | wc -l)
ok "the updated and the fresh install have as many catalog entries ($n_updated and $n_fresh, over 100)" \
   test "$n_updated" -eq "$n_fresh" -a "$n_fresh" -gt 100
diff <(printf '%s\n' "$updated_catalog") <(printf '%s\n' "$fresh_catalog") >"$E2E_TMP/catalog.diff"
ok "and the same objects with the same definitions and privileges" test ! -s "$E2E_TMP/catalog.diff"
[ -s "$E2E_TMP/catalog.diff" ] && diag "$(head -20 "$E2E_TMP/catalog.diff")"

# What pg_dump keeps of every member, object by object (binary-upgrade mode
# dumps extension members one by one); a mismatch names the object.
pg_dump --binary-upgrade --schema-only -d "$old" >"$E2E_TMP/updated.sql"
pg_dump --binary-upgrade --schema-only -d "$fresh" >"$E2E_TMP/fresh.sql"
python3 "$(dirname "$0")/schema_diff.py" "$E2E_TMP/updated.sql" "$E2E_TMP/fresh.sql" >"$E2E_TMP/dump.diff" 2>/dev/null
ok "pg_dump of the updated and of the fresh database agree on every object" test ! -s "$E2E_TMP/dump.diff"
[ -s "$E2E_TMP/dump.diff" ] && diag "$(head -20 "$E2E_TMP/dump.diff")"
# The comparison can fail: change one comment in the fresh database.
q "$fresh" "COMMENT ON FUNCTION leadscore.health() IS 'changed'" >/dev/null
pg_dump --binary-upgrade --schema-only -d "$fresh" >"$E2E_TMP/fresh2.sql"
is "$(python3 "$(dirname "$0")/schema_diff.py" "$E2E_TMP/updated.sql" "$E2E_TMP/fresh2.sql" 2>/dev/null)" \
   "differs: COMMENT FUNCTION health() (schema leadscore)" "and a single changed comment is found and named"

is "$(q "$old" "SELECT (leadscore.score_lead(l, false)).method FROM leadscore.leads l WHERE id = 1")" "rules" \
   "the updated database scores by rules"
like "$(q "$old" "SELECT leadscore.train_lead_model(min_feedback => 1000)" 2>&1)" \
   "not enough labelled leads to train: 102, min_feedback is 1000 \(" \
   "and training sees the old feedback as labels"
is "$(q "$old" "SELECT (leadscore.score_lead(l, true)).model_version = (SELECT version FROM leadscore.models WHERE status = 'active')
                  FROM leadscore.leads l WHERE id = 11")" "t" "the model trained before the update still serves"
done_testing
