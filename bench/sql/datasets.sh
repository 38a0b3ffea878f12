# Loads the real lead-conversion data sets of ../shared/data into leadscore, the
# way an app would hold them: each row a lead whose columns are attributes
# (numbers where the whole column is numeric, strings otherwise, empty = absent),
# and the training rows' outcomes as contractors' feedback: 'won' for a
# conversion, 'not_qualified' otherwise, inserted in bulk as service_role would.
# Used by the SQL benchmark and by the end-to-end test on real data.
#   load_dataset NAME DB   NAME: bank_full, bank_additional_full, leads, leads_strict
# Leaves in DB: leadscore.leads (id = the data set's id, or data row + 1), feedback for the train rows,
# and bench_split(id, split, label) saying which rows are train or test.
# shellcheck shell=bash

SHARED_DATA=${SHARED_DATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/data}

dataset_spec() {  # sets file, delim, split, label, positive, drop, idcol
  idcol=""
  case $1 in
    bank_full)
      file=bank-full.csv delim=';' split=bank_full_split.txt label=y positive=yes drop=duration ;;
    bank_additional_full)
      file=bank-additional-full.csv.gz delim=';' split=bank_additional_full_split.txt label=y positive=yes drop=duration ;;
    leads|leads_strict)
      file=Leads.csv delim=',' split=leads_split.txt label=Converted positive=1 idcol='Lead Number'
      drop='Prospect ID,Lead Number,Tags,Lead Quality,Last Activity,Last Notable Activity,Asymmetrique Activity Index,Asymmetrique Profile Index,Asymmetrique Activity Score,Asymmetrique Profile Score'
      if [ "$1" = leads_strict ]; then drop="$drop,Lead Profile"; fi ;;
    *) echo "unknown data set $1" >&2; return 1 ;;
  esac
}

load_dataset() {
  local name=$1 db=$2 file delim split label positive drop idcol path reader header
  dataset_spec "$name" || return 1
  path="$SHARED_DATA/$file"
  [ -r "$path" ] || { echo "missing $path (the shared data sets sit beside the repository)" >&2; return 1; }
  reader="cat"
  case $file in *.gz) reader="zcat" ;; esac
  header=$( ($reader "$path" || true) | head -1 | tr -d '\r"')  # the reader dies of SIGPIPE

  local psql_=(psql -X -q -v ON_ERROR_STOP=1 -d "$db")
  "${psql_[@]}" -v header="$header" -v delim="$delim" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_raw, bench_split;
-- row_id numbers the rows in the order COPY reads them (heap order is no guide).
SELECT format('CREATE TABLE bench_raw (row_id bigint GENERATED ALWAYS AS IDENTITY, %s)',
              string_agg(format('%I text', c), ', ' ORDER BY n))
  FROM unnest(string_to_array(:'header', :'delim')) WITH ORDINALITY AS t(c, n) \gexec
CREATE TABLE bench_split (row_no int, split text, ord int);
SQL
  local columns
  columns=$("${psql_[@]}" -A -t -v header="$header" -v delim="$delim" <<'SQL'
SELECT string_agg(format('%I', c), ', ' ORDER BY n)
  FROM unnest(string_to_array(:'header', :'delim')) WITH ORDINALITY AS t(c, n);
SQL
)
  $reader "$path" | "${psql_[@]}" -c "COPY bench_raw ($columns) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER '$delim')"
  "${psql_[@]}" -c "COPY bench_split FROM STDIN WITH (FORMAT csv, HEADER true)" <"$SHARED_DATA/$split"

  "${psql_[@]}" -v header="$header" -v delim="$delim" -v label="$label" -v positive="$positive" -v drop="$drop" \
    -v idcol="$idcol" <<'SQL'
SET client_min_messages = warning;
-- A lead's id is its data set's own id where it has one, else its row number
-- from 1 (the core benchmark tool numbers leads the same way).
SELECT CASE WHEN :'idcol' = '' THEN 'row_id' ELSE format('(%I)::bigint', :'idcol') END AS id_expr \gset
ALTER TABLE bench_raw ADD COLUMN lead_id bigint;
UPDATE bench_raw SET lead_id = :id_expr;

-- Attributes: every column but the label and the leakage columns; numeric when
-- every non-empty value of the column is a number.
CREATE TEMP TABLE bench_columns AS
SELECT c AS name, n,
       c NOT IN (SELECT unnest(string_to_array(:'drop', ','))) AND c <> :'label' AS keep
  FROM unnest(string_to_array(:'header', :'delim')) WITH ORDINALITY AS t(c, n);
SELECT string_agg(format('bool_and(%1$I IS NULL OR %1$I = '''' OR %1$I ~ ''^-?[0-9]+(\.[0-9]+)?$'') AS %1$I', name), ', ')
  FROM bench_columns WHERE keep \gset numeric_
SELECT format('CREATE TEMP TABLE bench_numeric AS SELECT %s FROM bench_raw', :'numeric_string_agg') \gexec
SELECT format('INSERT INTO leadscore.leads (id, attributes) SELECT lead_id, jsonb_strip_nulls(jsonb_build_object(%s)) FROM bench_raw',
              string_agg(format('%L, %s', c.name,
                CASE WHEN (SELECT to_jsonb(b) ->> c.name FROM bench_numeric b)::boolean
                     THEN format('(nullif(%I, ''''))::numeric', c.name)
                     ELSE format('nullif(%I, '''')', c.name) END), ', ' ORDER BY c.n))
  FROM bench_columns c WHERE c.keep \gexec

ALTER TABLE bench_split ADD COLUMN id bigint, ADD COLUMN label boolean;
UPDATE bench_split s SET id = r.lead_id, label = to_jsonb(r) ->> :'label' = :'positive'
  FROM bench_raw r WHERE r.row_id = s.row_no + 1;
CREATE INDEX ON bench_split (id);

INSERT INTO auth.users (id, email) VALUES ('be000000-0000-4000-8000-000000000001', 'bench@leadscore.test')
  ON CONFLICT DO NOTHING;
-- The bulk path for history: service_role inserts feedback rows directly, and
-- the label trigger derives every label once for the whole statement.
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
SELECT 'be000000-0000-4000-8000-000000000001', s.id,
       CASE WHEN s.label THEN 'won' ELSE 'not_qualified' END::leadscore.lead_rating
  FROM bench_split s WHERE s.split = 'train' ORDER BY s.id;
DROP TABLE bench_raw;
SQL
}
