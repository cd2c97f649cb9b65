# test/lib/nginx.sh — a private nginx serving a directory on 127.0.0.1 for the HTTP tests (sourced).
#
# Everything (config, pid, logs, temp paths) lives in a fresh directory, on a free high port, with a
# one-line access log per request: "METHOD URI STATUS BODY_BYTES SECONDS". QEMU guests reach it only
# through slirp's guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 $NGINX_PORT.
#
#   nginx_start ROOT PARENT_DIR   sets NGINX_DIR NGINX_PORT NGINX_PID NGINX_ACCESS_LOG; on failure
#                                 returns 1 with the reason in NGINX_ERROR
#   nginx_stop                    stops it (callers: trap nginx_stop EXIT)
#   tls_make DIR                  a test CA (DIR/ca.pem) and a server certificate it signed for 127.0.0.1
#                                 and 10.0.2.100 (DIR/server.pem, DIR/server.key); and a rogue one, self-signed
#                                 for 127.0.0.1, 10.0.2.100 and 10.0.2.101 (DIR/rogue.pem, DIR/rogue.key)
# With NGINX_TLS_DIR set (tls_make's DIR), nginx_start also serves ROOT over https on NGINX_TLS_PORT, and
# with the rogue certificate on NGINX_ROGUE_PORT (a server no client given ca.pem may trust).
#
# The readiness probe shows up in the access log as a 404 of /ukiboot-probe: filter checks by path.

nginx_start() {  # ROOT PARENT_DIR
        local root=$1 parent=$2 _
        NGINX_ERROR= NGINX_PID=
        command -v nginx >/dev/null || { NGINX_ERROR="nginx missing (scripts/install-deps installs nginx-light)"; return 1; }
        mkdir -p "$parent"
        NGINX_DIR=$(mktemp -d "$parent/nginx.XXXXXX")
        NGINX_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        NGINX_ACCESS_LOG=$NGINX_DIR/access.log
        local ng=$NGINX_DIR tls=
        if [ -n "${NGINX_TLS_DIR:-}" ]; then
                NGINX_TLS_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
                NGINX_ROGUE_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
                tls="server { listen 127.0.0.1:$NGINX_TLS_PORT ssl; ssl_certificate $NGINX_TLS_DIR/server.pem;
                 ssl_certificate_key $NGINX_TLS_DIR/server.key; root $root; }
    server { listen 127.0.0.1:$NGINX_ROGUE_PORT ssl; ssl_certificate $NGINX_TLS_DIR/rogue.pem;
                 ssl_certificate_key $NGINX_TLS_DIR/rogue.key; root $root; }"
        fi
        cat > "$ng/nginx.conf" <<CONF
worker_processes 1;
pid $ng/nginx.pid;
error_log $ng/error.log;
events { worker_connections 64; }
http {
    log_format ukiboot '\$request_method \$uri \$status \$body_bytes_sent \$request_time';
    access_log $ng/access.log ukiboot;
    client_body_temp_path $ng/client_body;
    proxy_temp_path $ng/proxy;
    fastcgi_temp_path $ng/fastcgi;
    uwsgi_temp_path $ng/uwsgi;
    scgi_temp_path $ng/scgi;
    default_type application/octet-stream;
    sendfile on;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $root;
    }
    $tls
}
CONF
        nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/error.log" -g 'daemon off;' &
        NGINX_PID=$!
        for _ in $(seq 1 50); do
                curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/ukiboot-probe" 2>/dev/null && break
                sleep 0.1
        done
        if ! kill -0 "$NGINX_PID" 2>/dev/null; then
                NGINX_ERROR="nginx did not start: $(head -c 300 "$ng/error.log")"
                NGINX_PID=
                return 1
        fi
        return 0
}

nginx_stop() {
        [ -n "${NGINX_PID:-}" ] || return 0
        kill "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
        NGINX_PID=
}

tls_make() {  # DIR: a throw-away CA and a server certificate for the https tests (RSA 2048, two days: the
              # TLS library of Debian 12's OVMF has no elliptic curves)
        local d=$1
        mkdir -p "$d"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ukiboot-test-ca \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
                -keyout "$d/ca.key" -out "$d/ca.pem" 2> "$d/openssl.err" &&
        openssl req -newkey rsa:2048 -nodes -subj /CN=ukiboot-test-server \
                -keyout "$d/server.key" -out "$d/server.csr" 2>> "$d/openssl.err" &&
        printf 'subjectAltName=IP:127.0.0.1,IP:10.0.2.100\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$d/ext" &&
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
                -extfile "$d/ext" -out "$d/server.pem" 2>> "$d/openssl.err" &&
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ukiboot-test-rogue \
                -addext subjectAltName=IP:127.0.0.1,IP:10.0.2.100,IP:10.0.2.101 \
                -keyout "$d/rogue.key" -out "$d/rogue.pem" 2>> "$d/openssl.err"
}
