#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_report_html.sh - report.html: self-contained, its embedded timeline equals
# states.tsv (recomputed in report_data.py), and it works in a real browser: headless
# Chromium (installed by install-chromium.sh when missing) loads it without console
# errors, the page's script reports "ok", and screenshots of the whole trace and of a
# zoomed range show the timeline in the palette colours (PNG read by png_colours.py).
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
HERE=$VMFLOW_SOURCE_DIR/tests/report

"$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/preempt-vm.yaml" -o "$T/trace" >/dev/null
"$VMFLOW" analyze "$T/trace" -o "$T/out" >/dev/null
R=$T/out/report.html
[ -s "$R" ] && ok "report.html written" || not_ok "report.html written"

# Self-contained: no network, no external file.
ext=$(grep -oiE '(https?:|//[a-z0-9.-]+\.[a-z]{2,}/|<link |<img |<iframe |src=|@import|url\()' "$R" | sort -u | tr '\n' ' ')
expect_eq "$ext" "" "no external reference (http, src=, link, img, @import, url())"
size=$(stat -c %s "$R")
[ "$size" -lt 5000000 ] && ok "report.html is bounded ($size bytes)" || not_ok "report.html is bounded ($size bytes)"
for h in '<h2>Timeline</h2>' '<h2>Time per state</h2>' '<h2>Waits</h2>' '<h2>Exits</h2>' '<h2>Warnings</h2>' '<canvas id="vf-canvas"' '<svg class="bar"'; do
  grep -qF "$h" "$R" && ok "has $h" || not_ok "has $h"
done
# The exit table has exits.tsv's per-vCPU rows (same counts).
want=$(awk -F'\t' 'NR > 1 && $2 != "all" { n++ } END { print n }' "$T/out/exits.tsv")
got=$(grep -cE '^<tr><td>[0-9]+</td><td>[0-9]+</td><td class="l">[A-Z_0-9]+</td>' "$R")
expect_eq "$got" "$want" "the exit table has one row per exits.tsv vCPU row"
hlt=$(awk -F'\t' '$1 == 1000 && $2 == 0 && $3 == "HLT" { print $4 }' "$T/out/exits.tsv")
grep -qE "^<tr><td>1000</td><td>0</td><td class=\"l\">HLT</td><td>$hlt</td>" "$R" && ok "VM 1000 vCPU 0 HLT count $hlt as in exits.tsv" || not_ok "VM 1000 vCPU 0 HLT count as in exits.tsv ($hlt)"
res=$(python3 "$HERE/report_data.py" "$R" "$T/out/states.tsv")
case "$res" in "ok "*" 1") ok "timeline data equals states.tsv (level 0 and exact level): $res" ;; *) not_ok "timeline data equals states.tsv: $res" ;; esac

# A real browser.
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  browser=$(bash "$HERE/install-chromium.sh" 2>"$T/install.log") || { tail -n 5 "$T/install.log"; browser=""; }
fi
if [ -z "$browser" ]; then
  not_ok "chromium is available (install-chromium.sh failed; see above)"
  finish
  exit
fi
ok "browser: $browser"
chrome() { # chrome OUT_ERR ARGS... : one headless run with a fresh profile
  local errf=$1
  shift
  rm -rf "$T/profile"
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-extensions \
    --hide-scrollbars --user-data-dir="$T/profile" --enable-logging=stderr --v=0 \
    --window-size=1400,900 "$@" 2>"$errf"
}
console_errors() { grep -E 'CONSOLE' "$1" | grep -ciE 'uncaught|error' || true; }

chrome "$T/dom.err" --dump-dom "file://$R" >"$T/dom.html"
grep -q '<body data-vf-status="ok"' "$T/dom.html" && ok "the page's script ran to the end (data-vf-status=ok)" || not_ok "the page's script ran to the end: $(grep -o '<body[^>]*' "$T/dom.html" | head -c 300)"
expect_eq "$(console_errors "$T/dom.err")" 0 "no console error while loading"
grep -qE 'id="vf-view">Showing 0[.0]* m?s to [0-9.]+ m?s' "$T/dom.html" && ok "the view starts on the whole trace" || not_ok "the view starts on the whole trace: $(grep -o 'id="vf-view">[^<]*' "$T/dom.html")"

# The harness itself must notice a broken page.
sed 's/"levels": \[/"levels": [}/' "$R" >"$T/broken.html"
chrome "$T/broken.err" --dump-dom "file://$T/broken.html" >"$T/broken-dom.html"
grep -q 'data-vf-status="ok"' "$T/broken-dom.html" && not_ok "a broken page is not reported ok" || ok "a broken page is not reported ok"
[ "$(console_errors "$T/broken.err")" -ge 1 ] && ok "a broken page's error reaches the console log" || not_ok "a broken page's error reaches the console log"

# Screenshot of the whole trace: the timeline rows are drawn in the palette colours
# (the legend swatches alone are 12 x 12 pixels each).
chrome "$T/shot.err" --screenshot="$T/shot.png" "file://$R" >/dev/null
expect_eq "$(console_errors "$T/shot.err")" 0 "no console error while taking the screenshot"
read -r w h distinct guest wait_timer hyp preempted_vm < <(python3 "$HERE/png_colours.py" "$T/shot.png" '#00c800' '#336699' '#b30606' '#e6aa3c' | tr '\n' ' ')
expect_eq "$w x $h" "1400 x 900" "screenshot size"
[ "$distinct" -ge 20 ] && ok "screenshot is not blank ($distinct colours)" || not_ok "screenshot is not blank ($distinct colours)"
[ "$guest" -ge 3000 ] && ok "guest green drawn on the timeline ($guest px)" || not_ok "guest green drawn on the timeline ($guest px)"
[ "$wait_timer" -ge 3000 ] && ok "wait_timer blue drawn on the timeline ($wait_timer px)" || not_ok "wait_timer blue drawn on the timeline ($wait_timer px)"
[ "$hyp" -ge 300 ] && ok "hypervisor red drawn on the timeline ($hyp px)" || not_ok "hypervisor red drawn on the timeline ($hyp px)"
[ "$preempted_vm" -ge 144 ] && ok "preempted_vm drawn ($preempted_vm px)" || not_ok "preempted_vm drawn ($preempted_vm px)"

# Zoomed on 2 us (about 1.5 ns per pixel): the exact intervals; on 200 us, a finer level.
chrome "$T/zoom.err" --dump-dom "file://$R#t=500000000,500002000" >"$T/zoom.html"
grep -q 'exact intervals' "$T/zoom.html" && ok "zoomed to 2 us: exact intervals shown" || not_ok "zoomed to 2 us: exact intervals shown: $(grep -o 'id="vf-view">[^<]*' "$T/zoom.html")"
chrome "$T/zoom2.err" --screenshot="$T/zoom.png" "file://$R#t=500000000,500200000" >/dev/null
read -r w h distinct guest < <(python3 "$HERE/png_colours.py" "$T/zoom.png" '#00c800' | tr '\n' ' ')
[ "$distinct" -ge 20 ] && [ "$guest" -ge 1000 ] && ok "zoomed screenshot shows the timeline ($distinct colours, $guest guest px)" || not_ok "zoomed screenshot shows the timeline ($distinct colours, $guest guest px)"
expect_eq "$(( $(console_errors "$T/zoom.err") + $(console_errors "$T/zoom2.err") ))" 0 "no console error when zoomed"
rm -rf "$T/profile"
finish
