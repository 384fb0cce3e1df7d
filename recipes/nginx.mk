# SPDX-License-Identifier: GPL-2.0
#
# nginx: Debian's nginx (nginx-light) serving a static page in the guest,
# driven from the host by ab (apache2-utils) with keep-alive, 20 concurrent
# (seed 000: ab -c 20 -k).  The configuration is written by SETUP.

NGINX_DEBS       := nginx-light apache2-utils
NGINX_GUEST_BINS := /usr/sbin/nginx
NGINX_SETUP      := mkdir -p /var/lib/nginx /var/log/nginx /srv/www && \
		    echo kpgo > /srv/www/index.html && \
		    printf 'user root; worker_processes 1; error_log stderr; pid /run/nginx.pid;\n\
events { worker_connections 512; }\n\
http { access_log off; keepalive_requests 100000;\n\
server { listen 80; root /srv/www; } }\n' > /srv/nginx.conf
NGINX_SERVER     := /usr/sbin/nginx -c /srv/nginx.conf -g 'daemon off;'
NGINX_PORT       := 80
NGINX_READY      := tcp:80
NGINX_CLIENT      = $(call pgo-ab-client,25000)
NGINX_RESULT      = $(pgo-ab-result)
NGINX_OPS         = $(pgo-ab-ops)
NGINX_MEM        := 256
NGINX_TIMEOUT    := 900

$(eval $(kpgo-recipe))
