# Shared by the benchmark scripts: nginx serving a folder on 127.0.0.1, and nothing else.
# Source it, then: start_nginx ROOT PORT WORKDIR GZIP(on|off). Sets NGINX_PID and
# NGINX_VERSION; stop_nginx stops that nginx (and only it, by its process id): call it in
# the caller's cleanup. ensure_store PROFILE PAGES ORIGIN DIR generates a gen-store.py store
# unless DIR already holds one made by this generator with these arguments.

NGINX_PID=""
stop_nginx() {
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  NGINX_PID=""
}

ensure_store() {
  local profile="$1" pages="$2" origin="$3" dir="$4" here stamp
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  stamp="$(sha256sum < "$here/gen-store.py" | cut -c1-16) profile=$profile pages=$pages origin=$origin"
  if [ "$(cat "$dir/.gen-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "== $profile: generating a $pages-page store in $dir"
    python3 "$here/gen-store.py" --pages "$pages" --out "$dir" --origin "$origin" --profile "$profile"
    echo "$stamp" > "$dir/.gen-stamp"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_nginx() {
  local root="$1" port="$2" work="$3" gzip="$4" nginx
  nginx="$(command -v nginx || echo /usr/sbin/nginx)"
  [ -x "$nginx" ] || { echo "nginx not found (apt-get install -y nginx)" >&2; return 2; }
  if port_open "$port"; then
    echo "127.0.0.1:$port is already in use (pick another with --port)" >&2
    return 2
  fi
  mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
  cat > "$work/nginx/nginx.conf" <<CONF
# One worker: on a small machine the crawler, not the server, should get the CPU.
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  types {
    text/html html htm;
    application/xml xml;
    text/plain txt;
  }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  gzip $gzip;
  gzip_comp_level 1;
  gzip_types application/xml text/plain;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    server_name _;
    root $root;
    index index.html;
  }
}
CONF
  "$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
  NGINX_PID=$!
  NGINX_VERSION="$("$nginx" -v 2>&1 | sed 's/^nginx version: //')"
  for _ in $(seq 100); do port_open "$port" && break; kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.05; done
  if ! kill -0 "$NGINX_PID" 2>/dev/null || ! port_open "$port"; then
    cat "$work/nginx/logs/error.log" >&2 || true
    echo "nginx did not start on 127.0.0.1:$port" >&2
    return 2
  fi
}
