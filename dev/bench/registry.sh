# Sourced by the bench scripts: start_registry DIR starts Debian's docker-registry on a free-ish port of
# 127.0.0.1 with its storage in DIR/registry, waits until it answers, and sets registry_host (127.0.0.1:PORT)
# and registry_pid; the caller stops it (kill "$registry_pid") when done.
start_registry() {
  local dir=$1 port=$((20000 + RANDOM % 20000))
  mkdir -p "$dir/registry"
  cat >"$dir/registry.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $dir/registry}}
http: {addr: 127.0.0.1:$port}
YML
  docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
  registry_pid=$!
  registry_host=127.0.0.1:$port
  for _ in $(seq 100); do curl -fs "http://$registry_host/v2/" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "docker-registry did not answer on $registry_host (see $dir/registry.log)" >&2
  return 1
}
