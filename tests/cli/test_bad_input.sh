#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_bad_input.sh - bad input gives one line naming the file and the problem,
# exit code 1, and no output folder (nor a temporary one) left behind.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
C=$VMFLOW_SOURCE_DIR/corpora

no_output_left() { # DIR NAME
  if [ ! -e "$1" ] && ! compgen -G "$1.vmflow-tmp-*" >/dev/null; then ok "$2: nothing half-written"; else not_ok "$2: output left behind"; fi
}

"$VMFLOW" synth "$C/default.yaml" -o "$T/good" >/dev/null || not_ok "synth the fixture trace"

# --- analyze ---
expect_fail 1 "$T/missing.*(no such|does not exist|not found)" "analyze: missing trace folder" -- "$VMFLOW" analyze "$T/missing" -o "$T/o1"
no_output_left "$T/o1" "missing trace"

mkdir -p "$T/empty"
expect_fail 1 "$T/empty.*" "analyze: empty folder" -- "$VMFLOW" analyze "$T/empty" -o "$T/o2"
no_output_left "$T/o2" "empty folder"

mkdir -p "$T/notctf" && echo "hello" > "$T/notctf/readme.txt"
expect_fail 1 "$T/notctf.*(no CTF trace|metadata)" "analyze: folder that is not CTF" -- "$VMFLOW" analyze "$T/notctf" -o "$T/o3"
no_output_left "$T/o3" "not CTF"

cp -r "$T/good" "$T/badmeta" && printf 'this is { not TSDL ;;;\n' >> "$T/badmeta/metadata"
expect_fail 1 "$T/badmeta" "analyze: corrupt metadata" -- "$VMFLOW" analyze "$T/badmeta" -o "$T/o4"
no_output_left "$T/o4" "corrupt metadata"

cp -r "$T/good" "$T/trunc"
f=$(ls "$T/trunc"/channel0_* | head -n1)
size=$(stat -c %s "$f")
truncate -s $((size / 2 + 13)) "$f"
expect_fail 1 "$T/trunc" "analyze: truncated stream file" -- "$VMFLOW" analyze "$T/trunc" -o "$T/o5"
no_output_left "$T/o5" "truncated stream"

cp -r "$T/good" "$T/badmagic"
f=$(ls "$T/badmagic"/channel0_* | head -n1)
printf '\x00\x00\x00\x00' | dd of="$f" bs=1 conv=notrunc status=none
expect_fail 1 "$T/badmagic" "analyze: bad packet magic" -- "$VMFLOW" analyze "$T/badmagic" -o "$T/o6"
no_output_left "$T/o6" "bad magic"

mkdir -p "$T/foreign" && echo keep > "$T/foreign/notes.txt"
expect_fail 1 "$T/foreign.*not written by vmflow" "analyze: refuses to replace a folder it did not write" -- "$VMFLOW" analyze "$T/good" -o "$T/foreign"
expect_eq "$(cat "$T/foreign/notes.txt")" keep "the user's folder is untouched"

expect_fail 2 "missing -o" "analyze: missing -o is a usage error" -- "$VMFLOW" analyze "$T/good"

# --- synth ---
printf 'seed: 1\nduration: 1s\nhost:\n  cpus: 2\n  frobs: 3\n' > "$T/unknown-key.yaml"
expect_fail 1 "unknown-key.yaml:5:[0-9]+.*frobs" "synth: unknown key names file, line, column and key" -- "$VMFLOW" synth "$T/unknown-key.yaml" -o "$T/s1"
no_output_left "$T/s1" "unknown key"

printf 'seed: 1\nduration: 1s\nhost:\n  cpus: [2\n' > "$T/malformed.yaml"
expect_fail 1 "malformed.yaml:[0-9]+:[0-9]+" "synth: malformed YAML names line and column" -- "$VMFLOW" synth "$T/malformed.yaml" -o "$T/s2"
no_output_left "$T/s2" "malformed YAML"

printf 'seed: 1\nduration: -5s\n' > "$T/negative.yaml"
expect_fail 1 "negative.yaml:2:[0-9]+.*duration" "synth: negative duration" -- "$VMFLOW" synth "$T/negative.yaml" -o "$T/s3"
no_output_left "$T/s3" "negative duration"

printf 'seed: 1\nvms:\n  - name: big\n    vcpus: 1000000000\n' > "$T/huge.yaml"
expect_fail 1 "huge.yaml:4:[0-9]+.*vcpus" "synth: a billion vCPUs is refused, not an OOM" -- "$VMFLOW" synth "$T/huge.yaml" -o "$T/s4"
no_output_left "$T/s4" "huge vcpus"

expect_fail 1 "$T/nope.yaml" "synth: missing scenario file" -- "$VMFLOW" synth "$T/nope.yaml" -o "$T/s5"
no_output_left "$T/s5" "missing scenario"

# --- compare ---
printf 'path\tstart\tend\tvalue\nVMs/1/vCPUs/0/Status\t10\t5\tguest\n' > "$T/bad.tsv"
expect_fail 1 "bad.tsv:2" "compare: interval with end before start names file:line" -- "$VMFLOW" compare "$T/bad.tsv" "$T/bad.tsv"

finish
