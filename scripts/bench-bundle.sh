#!/usr/bin/env bash
# The offline migration against the direct one (BENCHMARKS.md, "Offline migration"): three
# `brickport emulator` processes (a SEED source, two empty targets, rate limits off), then
# `export` + `import` into one target and `migrate` into the other, each under
# `/usr/bin/time -v` (peak RSS, wall time), then `verify --from`, `verify`, a second `import`.
# Usage: scripts/bench-bundle.sh [SEED]   (release build first: cargo build --release -p brickport)
set -uo pipefail
SEED=${1:-scale:2000}
B=${BRICKPORT_BIN:-$(cd "$(dirname "$0")/.." && pwd)/target/release/brickport}
W=${BENCH_DIR:-/tmp/brickport-bench-bundle}; rm -rf $W; mkdir -p $W; cd $W
start() { # name seed token
  $B emulator --seed "$2" --rate-limits off --job-creations-per-hour 100000000 --token "$3" --id-seed $4 > $1.url 2>$1.err &
  echo $! > $1.pid
  for i in $(seq 1 600); do [ -s $1.url ] && break; sleep 1; done
  head -1 $1.url
}
S=$(start src "$SEED" srctok:alice@src.example 1)
A=$(start dsta none dsttok:bob@dst.example 2)
M=$(start dstb none dsttok:bob@dst.example 3)
printf "[src]\nhost = $S\ntoken = srctok\n\n[dsta]\nhost = $A\ntoken = dsttok\n\n[dstb]\nhost = $M\ntoken = dsttok\n" > cfg
export DATABRICKS_CONFIG_FILE=$W/cfg HOME=$W
for f in scim clusters pools policies jobs workspace permissions secrets sql repos notification_destinations pipelines sql_queries sql_alerts sql_legacy lakeview genie other; do printf "[throttle.$f]\nrps = 100000\nconcurrency = 64\n\n"; done > brickport.toml
printf "[throttle.jobs]\nrps = 100000\nconcurrency = 64\njobs_created_per_hour = 1000000000\n" >> brickport.toml
sed -i '0,/^\[throttle.jobs\]$/{/^\[throttle.jobs\]$/{N;N;d}}' brickport.toml
t() { /usr/bin/time -v "$@" > $LOG.out 2> $LOG.err; echo "rc=$? $(grep -E 'Maximum resident|Elapsed' $LOG.err | sed 's/^\s*//' | tr '\n' ' ')"; tail -3 $LOG.out; }
LOG=export; echo "== export"; t $B --source-profile src export --to bundle
du -sh bundle; grep answers bundle/manifest.json | head -1
LOG=import; echo "== import"; t $B --target-profile dsta --run-dir runa import --from bundle
LOG=migrate; echo "== migrate"; t $B --source-profile src --target-profile dstb --run-dir runb migrate
LOG=verify; echo "== verify --from (import's target)"; t $B --target-profile dsta --run-dir runa verify --from bundle
LOG=verifylive; echo "== verify (migrate's target, live source)"; t $B --source-profile src --target-profile dstb --run-dir runb verify
LOG=reimport; echo "== import again"; t $B --target-profile dsta --run-dir runa import --from bundle
for n in src dsta dstb; do kill $(cat $n.pid); done
