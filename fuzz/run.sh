#!/usr/bin/env bash
# Coverage-guided fuzzing of one harness with AFL++ and SharpFuzz (issue 8).
#
#   fuzz/run.sh <harness> [seconds]        e.g. fuzz/run.sh policy-yaml 600
#   fuzz/run.sh all [seconds-each]
#   fuzz/run.sh repro <harness> <file>…    run inputs once, print any exception
#
# Harnesses: policy-yaml, shell, glob, tool-call, audit-verify (fuzz/Rampart.Fuzz/Harnesses/). Seeds come from
# fuzz/corpus/<harness>/ (rebuild with fuzz/seed.py); AFL++'s queue, crashes and hangs go to
# fuzz/out/findings/<harness>/default/. A crash or hang is a bug: reproduce it with `repro`, fix it,
# and keep the input as a regression test (tests/Rampart.Core.Tests/Regression/).
#
# Needs: dotnet, afl++ (Debian package `afl++`), the SharpFuzz.CommandLine tool (fuzz/dotnet-tools.json,
# restored here). Rampart.Core.dll is instrumented with `sharpfuzz` in a private copy of the build
# output; the shipped build is never touched.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/out"
harnesses=(policy-yaml shell glob tool-call audit-verify)

build() {
  if ! command -v afl-fuzz >/dev/null; then
    echo "afl-fuzz not found: apt-get install -y afl++" >&2
    exit 1
  fi
  (cd "$here" && dotnet tool restore >/dev/null)
  rm -rf "$out/bin"
  dotnet build "$here/Rampart.Fuzz/Rampart.Fuzz.csproj" -c Release -o "$out/bin" -nologo -v quiet >/dev/null
  # Instrument only our own code: the coverage map then measures Rampart, not YamlDotNet or the BCL.
  (cd "$here" && dotnet sharpfuzz "$out/bin/Rampart.Core.dll" >/dev/null)
}

stat() { grep -E "^$2 " "$1" | sed 's/^[^:]*: *//'; }

fuzz_one() {
  local harness="$1" seconds="$2"
  local findings="$out/findings/$harness"
  rm -rf "$findings"
  mkdir -p "$findings"
  echo "== $harness: ${seconds}s from $(ls "$here/corpus/$harness" | wc -l) seeds"
  # dotnet is not an AFL-instrumented binary (SharpFuzz instruments the IL), hence SKIP_BIN_CHECK.
  # -t: one input may take 2 s (a hang is a bug: evaluations take micro- to milliseconds).
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_FORKSRV_INIT_TMOUT=60000 AFL_NO_AFFINITY=1 AFL_AUTORESUME=0 \
    afl-fuzz -i "$here/corpus/$harness" -o "$findings" -V "$seconds" -t 2000 -m none \
      -- dotnet "$out/bin/Rampart.Fuzz.dll" "$harness" >"$findings/afl.log" 2>&1 || {
        echo "afl-fuzz failed; see $findings/afl.log" >&2; tail -20 "$findings/afl.log" >&2; return 1; }
  local stats="$findings/default/fuzzer_stats"
  local crashes hangs
  crashes=$(find "$findings/default/crashes" -type f -name 'id:*' | wc -l)
  hangs=$(find "$findings/default/hangs" -type f -name 'id:*' | wc -l)
  printf '%-12s execs %s (%s/s)  edges %s (map %s)  corpus %s  crashes %s  hangs %s\n' "$harness" \
    "$(stat "$stats" execs_done)" "$(stat "$stats" execs_per_sec)" "$(stat "$stats" edges_found)" \
    "$(stat "$stats" bitmap_cvg)" "$(stat "$stats" corpus_count)" "$crashes" "$hangs"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    echo "   reproduce: fuzz/run.sh repro $harness $findings/default/crashes/id:* $findings/default/hangs/id:*"
  fi
}

case "${1:-}" in
  repro)
    shift; harness="$1"; shift
    [ -f "$out/bin/Rampart.Fuzz.dll" ] || build
    dotnet "$out/bin/Rampart.Fuzz.dll" "$harness" "$@"
    ;;
  all)
    build
    for h in "${harnesses[@]}"; do fuzz_one "$h" "${2:-300}"; done
    ;;
  policy-yaml|shell|glob|tool-call|audit-verify)
    build
    fuzz_one "$1" "${2:-300}"
    ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
