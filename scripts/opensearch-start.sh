#!/usr/bin/env bash
# Starts a local single-node OpenSearch on 127.0.0.1 from Maven Central jars (no Docker, no tarball) and waits
# until the cluster is green. Prints its URL on the last line. Stop it with scripts/opensearch-stop.sh.
#   OPENSEARCH_PORT      HTTP port (default 9200; the transport port is this + 100)
#   AISLE_OPENSEARCH_DIR where jars, the node's data, its log and its pid file live (default .data/opensearch)
#   OPENSEARCH_HEAP      JVM heap (default 512m)
# Exit codes: 0 started (or already running), 1 failed to start, 3 Java or Maven missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/subgraphs/search/opensearch"
dir=${AISLE_OPENSEARCH_DIR:-$root/.data/opensearch}
port=${OPENSEARCH_PORT:-9200}
heap=${OPENSEARCH_HEAP:-512m}
url="http://127.0.0.1:$port"

for tool in java javac mvn curl unzip; do
  if ! command -v "$tool" >/dev/null; then
    echo "opensearch-start: $tool is not installed; install a JDK 17+ and Maven (apt-get install -y openjdk-17-jdk-headless maven curl unzip)" >&2
    exit 3
  fi
done

mkdir -p "$dir"
if [ -f "$dir/opensearch.pid" ] && kill -0 "$(cat "$dir/opensearch.pid")" 2>/dev/null; then
  echo "opensearch-start: already running (pid $(cat "$dir/opensearch.pid"))" >&2
  echo "$url"
  exit 0
fi

# Jars: fetched once per pom version, then reused.
stamp=$(sha256sum "$src/pom.xml" "$src/LocalOpenSearch.java" | sha256sum | cut -c1-16)
if [ "$(cat "$dir/stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "opensearch-start: fetching jars from Maven Central (once)" >&2
  rm -rf "$dir/lib" "$dir/classes"
  mvn -q -B -f "$src/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib" >&2
  mkdir -p "$dir/lib/knn"
  unzip -qo "$dir"/lib/opensearch-knn-*.zip '*.jar' -d "$dir/lib/knn"
  javac -nowarn -cp "$dir/lib/*:$dir/lib/knn/*" -d "$dir/classes" "$src/LocalOpenSearch.java" >&2
  echo "$stamp" >"$dir/stamp"
fi

# A fresh node every start: tests create the indices they need.
rm -rf "$dir/home"
mkdir -p "$dir/home/config"
nohup java -Xms"$heap" -Xmx"$heap" -Djava.locale.providers=SPI,COMPAT -Dlog4j2.disable.jmx=true \
  -cp "$dir/classes:$dir/lib/*:$dir/lib/knn/*" LocalOpenSearch "$dir/home" "$port" >"$dir/opensearch.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/opensearch.pid"

for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "opensearch-start: the node exited; last lines of $dir/opensearch.log:" >&2
    tail -n 30 "$dir/opensearch.log" >&2
    rm -f "$dir/opensearch.pid"
    exit 1
  fi
  if curl -fsS "$url/_cluster/health?wait_for_status=green&timeout=1s" >/dev/null 2>&1; then
    echo "opensearch-start: green on $url (pid $pid)" >&2
    echo "$url"
    exit 0
  fi
  sleep 1
done
echo "opensearch-start: not green after 120 s; see $dir/opensearch.log" >&2
kill -TERM "$pid" 2>/dev/null || true
exit 1
