#!/usr/bin/env bash
# ALTER EXTENSION leadscore UPDATE from the oldest release keeps every row and
# ends with the same objects as a fresh install of the newest.
source "$(dirname "$0")/lib.sh"
plan 7

oldest=0.1.0
newest=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(pg_config --sharedir)/extension/leadscore.control")

old=$(new_db old) && install_compat "$old" || { echo "Bail out! cannot create a database"; exit 1; }
q "$old" "CREATE EXTENSION leadscore VERSION '$oldest'" >/dev/null
q "$old" "INSERT INTO auth.users (id) VALUES ('$ALICE'), ('$BOB');
          INSERT INTO leadscore.leads (id, permit_value, trade_tags) VALUES (1, 12000, '{roofing}'), (2, NULL, '{}');
          SELECT leadscore.submit_feedback(1, 'won', '\$5-15k', '{good_contact}', 'first', '$ALICE');
          SELECT leadscore.submit_feedback(1, 'no_answer', account_id => '$BOB');
          SELECT leadscore.submit_feedback(2, 'quoted', account_id => '$BOB');
          UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'quoted';" >/dev/null

rows() {  # the user data, as text, in a stable order
  q "$1" "SELECT string_agg(t, E'\n' ORDER BY t) FROM (
            SELECT 'feedback ' || (f.*)::text AS t FROM leadscore.lead_feedback f
            UNION ALL SELECT 'lead ' || (l.*)::text FROM leadscore.leads l
            UNION ALL SELECT 'outcome ' || o.lead_id || ' ' || coalesce(o.win_label::text, 'null') || ' ' || o.updated_at
                        FROM leadscore.lead_outcomes o
            UNION ALL SELECT 'label ' || (r.*)::text FROM leadscore.rating_labels r) x"
}
before=$(rows "$old")
q "$old" "ALTER EXTENSION leadscore UPDATE" >/dev/null
is "$(q "$old" "SELECT extversion FROM pg_extension WHERE extname = 'leadscore'")" "$newest" "updated from $oldest to $newest"
is "$(rows "$old")" "$before" "every row of feedback, leads, outcomes and labels is kept"

fresh=$(new_leadscore_db fresh) || { echo "Bail out! cannot create a database"; exit 1; }

# Every object of the extension with its definition, by name (OIDs differ).
catalog() {
  q "$1" "WITH members AS (
            SELECT classid, objid FROM pg_depend
             WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
               AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore'))
          SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT 'function ' || pg_get_functiondef(p.oid) || ' acl ' || coalesce(p.proacl::text, '-') AS line
              FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
            UNION ALL
            SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' rls ' || c.relrowsecurity
                   || ' acl ' || coalesce(c.relacl::text, '-')
              FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
            UNION ALL
            SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
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
            SELECT 'schema ' || nspname || ' acl ' || coalesce(nspacl::text, '-')
              FROM pg_namespace WHERE nspname = 'leadscore') x"
}
updated_catalog=$(catalog "$old") || { echo "Bail out! cannot read the catalog"; exit 1; }
fresh_catalog=$(catalog "$fresh") || { echo "Bail out! cannot read the catalog"; exit 1; }
entries=$(printf '%s\n' "$fresh_catalog" | wc -l)
ok "the fresh install lists its objects ($entries catalog entries)" test "$entries" -gt 100
is "$(printf '%s\n' "$updated_catalog" | wc -l)" "$entries" \
   "the updated and the fresh install have as many catalog entries"
diff <(printf '%s\n' "$updated_catalog") <(printf '%s\n' "$fresh_catalog") >"$E2E_TMP/catalog.diff"
ok "and the same objects with the same definitions and privileges" test ! -s "$E2E_TMP/catalog.diff"
[ -s "$E2E_TMP/catalog.diff" ] && diag "$(head -20 "$E2E_TMP/catalog.diff")"

is "$(q "$old" "SELECT (leadscore.score_lead(l, true)).method FROM leadscore.leads l WHERE id = 1")" "rules" \
   "the updated database scores (by rules: no model yet)"
like "$(q "$old" "SELECT leadscore.train_lead_model(min_feedback => 10)" 2>&1)" \
   "not enough labelled leads to train: 2, min_feedback is 10 \(1 won, 1 lost\)" \
   "and training sees the old feedback as labels"
done_testing
