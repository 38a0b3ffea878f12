#!/usr/bin/env bash
# The model report: model_report_svg() on a trained demo database gives
# well-formed SVG with the model's own figures, which a browser (headless
# Chromium) renders as a 960 x 590 picture with ink in the title, in each of
# its three panels and in the funnel panel below them (the demo's leads carry
# every rating, so the model has a funnel); asking for a missing, unknown or unreadable model is a
# clear error.
source "$(dirname "$0")/lib.sh"
plan 18

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }

ok "model_report_svg() is part of the extension" \
  test "$(q "$db" "SELECT count(*) FROM pg_depend WHERE objid = 'leadscore.model_report_svg(int)'::regprocedure
                     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore') AND deptype = 'e'")" = 1

# error_of SQL: 'SQLSTATE|message' of the error SQL raises in the test database, or 'no error'.
error_of() {
  q "$db" "DO \$\$
  DECLARE s text; m text;
  BEGIN
    EXECUTE \$sql\$ $1 \$sql\$;
    RAISE NOTICE 'no error';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
    RAISE NOTICE '%|%', s, m;
  END \$\$" 2>&1 | sed 's/^NOTICE: *//'
}

# 1. Before any model is trained.
is "$(error_of "SELECT leadscore.model_report_svg()")" "P0002|no active model" \
   "without an active model the report is an error (no_data_found)"

# 2. A trained demo model.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v leads=3000 -f "$(dirname "$0")/../../demo/generate.sql" >/dev/null
is "$(q "$db" "SELECT leadscore.train_lead_model() ->> 'activated'")" "true" "a model is trained and activated"

svg=$E2E_TMP/report.svg
q "$db" "SELECT leadscore.model_report_svg()" >"$svg"
ok "xmllint finds the report well-formed" xmllint --noout "$svg"
xpath() { xmllint --xpath "$1" "$svg" 2>/dev/null; }
is "$(xpath 'concat(local-name(/*), " ", namespace-uri(/*), " ", /*/@width, "x", /*/@height, " ", /*/@viewBox)')" \
   "svg http://www.w3.org/2000/svg 960x590 0 0 960 590" "the root is an SVG element of fixed size"

trained=$(q "$db" "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM leadscore.models WHERE version = 1")
is "$(xpath 'string(/*/*[local-name()="title"])')" "leadscore model v1 — trained $trained UTC" \
   "the title names the version and when it was trained"
is "$(q "$db" "SELECT leadscore.model_report_svg() = leadscore.model_report_svg(1)")" "t" \
   "version NULL reports the active model"

auc=$(q "$db" "SELECT metrics ->> 'auc' FROM leadscore.models WHERE version = 1")
shown=$(grep -o 'ROC curve (AUC [0-9.]*)' "$svg" | grep -o '[0-9]\.[0-9]*')
ok "the ROC panel shows the model's AUC ($shown for $auc)" \
   awk -v a="$auc" -v s="$shown" 'BEGIN { exit !(s != "" && a - s < 0.0006 && s - a < 0.0006) }'
is "$(xpath 'count(//*[local-name()="rect"][@class="ls-bar"])')" \
   "$(q "$db" "SELECT least(10, jsonb_array_length(metrics -> 'feature_importance')) FROM leadscore.models WHERE version = 1")" \
   "one importance bar per feature, at most 10"
is "$(xpath 'count(//*[local-name()="circle"])')" \
   "$(q "$db" "SELECT count(*) FROM leadscore.models, jsonb_array_elements(metrics -> 'calibration_curve') b
               WHERE version = 1 AND (b ->> 'count')::int > 0")" \
   "one calibration point per non-empty bin"
is "$(grep -c 'predicted [0-9.]*% &#183; observed [0-9.]*%' "$svg")" "3" \
   "the funnel panel shows contact, quote and win, predicted against observed"

# 3. Rendered by a browser.
png=$E2E_TMP/report.png
profile=$(mktemp -d "$E2E_TMP/chromium.XXXXXX")
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --force-device-scale-factor=1 \
  --user-data-dir="$profile" --screenshot="$png" --window-size=960,590 "file://$svg" >/dev/null 2>&1
ok "headless Chromium renders the report to PNG" test -s "$png"

# PNG facts: width, height, distinct colours, and the share of non-white
# pixels (per mille) in the title band and in each panel.
read -r width height colours title calibration roc importance funnel < <(python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR": ihdr = struct.unpack(">IIBBBBB", body)
    if kind == b"IDAT": idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, ihdr
bpp = 3 if ctype == 2 else 4
raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
px = lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])
def ink(x0, y0, x1, y1):
    return sum(px(x, y) != (255, 255, 255) for y in range(y0, y1) for x in range(x0, x1)) * 1000 // ((x1 - x0) * (y1 - y0))
colours = len({px(x, y) for y in range(h) for x in range(w)})
print(w, h, colours, ink(0, 0, 960, 62), ink(0, 70, 320, 400), ink(320, 70, 640, 400), ink(640, 70, 960, 400),
      ink(0, 420, 960, 580))
PY
)
is "${width}x${height}" "960x590" "the picture is 960 x 590"
diag "distinct colours $colours; non-white per mille: title $title, calibration $calibration, ROC $roc, importance $importance, funnel $funnel"
ok "the picture is not blank ($colours distinct colours)" test "${colours:-0}" -gt 16
ok "the title band and all three panels carry ink" \
   test "${title:-0}" -ge 10 -a "${calibration:-0}" -ge 20 -a "${roc:-0}" -ge 20 -a "${importance:-0}" -ge 20 \
        -a "${funnel:-0}" -ge 20

# 4. Models that cannot be reported.
is "$(error_of "SELECT leadscore.model_report_svg(999)")" "P0002|version: no model with version 999" \
   "an unknown version is an error naming it"
bad=$(q "$db" "INSERT INTO leadscore.models (algorithm, params, feature_spec, metrics, training_rows, blob)
               VALUES ('random_forest', '{}', '[]', '{}', 1, '\\x4c53434d0100') RETURNING version")
like "$(error_of "SELECT leadscore.model_report_svg($bad)")" "^XX001\|leadscore: " \
   "an unreadable blob is a data_corrupted error"
q "$db" "UPDATE leadscore.models SET status = 'retired' WHERE status = 'active'" >/dev/null
is "$(error_of "SELECT leadscore.model_report_svg()")" "P0002|no active model" \
   "with every model retired there is no active model to report"
done_testing
