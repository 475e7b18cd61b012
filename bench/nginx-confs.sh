# Sourced by the bench scripts (ab-cpu.sh, callgrind-requests.sh, hop-times.sh): nginx configs
# for the backend they share and for nginx as the proxy under comparison. Both single-process,
# in the foreground, logs and temp files under the given directory.

# Writes DIR/backend.conf: nginx answering 64 bytes at http://127.0.0.1:18480/64b (pid in DIR/backend.pid).
write_backend_conf() {
  local dir=$1
  mkdir -p "$dir/tmp"
  cat >"$dir/backend.conf" <<NGINX
worker_processes 1; daemon off; master_process off; pid $dir/backend.pid; error_log $dir/backend.log warn;
events { worker_connections 4096; }
http { $(_common_http "$dir")
  server { listen 127.0.0.1:18480;
    location = /64b { default_type text/plain; return 200 "0123456789012345678901234567890123456789012345678901234567890123"; } } }
NGINX
}

# Writes DIR/proxy.conf: nginx on 127.0.0.1:18490 proxying to the backend over kept-alive connections.
write_proxy_conf() {
  local dir=$1
  mkdir -p "$dir/tmp"
  cat >"$dir/proxy.conf" <<NGINX
worker_processes 1; daemon off; master_process off; pid $dir/proxy.pid; error_log $dir/proxy.log warn;
events { worker_connections 4096; }
http { $(_common_http "$dir")
  upstream backend { server 127.0.0.1:18480; keepalive 64; }
  server { listen 127.0.0.1:18490;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
NGINX
}

_common_http() {
  echo "access_log off; client_body_temp_path $1/tmp; proxy_temp_path $1/tmp; fastcgi_temp_path $1/tmp;
  uwsgi_temp_path $1/tmp; scgi_temp_path $1/tmp; keepalive_requests 10000000; keepalive_timeout 300s;"
}
