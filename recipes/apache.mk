# SPDX-License-Identifier: GPL-2.0
#
# apache: Debian's apache2 (event MPM) serving a static page in the guest,
# driven from the host by ab (apache2-utils) with keep-alive, 20 concurrent,
# as nginx is (seed 000: ab -c 20 -k).  Only the modules the page needs are
# loaded; the configuration is written by SETUP.  apache2 refuses to serve
# as root: its workers run as nobody.

apache-modules     := mpm_event authz_core dir
APACHE_DEBS        := apache2 apache2-utils
APACHE_GUEST_BINS  := /usr/sbin/apache2 \
		      $(foreach m,$(apache-modules),/usr/lib/apache2/modules/mod_$(m).so)
APACHE_SETUP       := mkdir -p /run/apache2 /srv/www && echo kpgo > /srv/www/index.html && \
		      printf '%s\n' \
		      $(foreach m,$(apache-modules),'LoadModule $(m)_module /usr/lib/apache2/modules/mod_$(m).so') \
		      'ServerName kpgo' 'Listen 80' 'User nobody' 'Group nogroup' \
		      'DefaultRuntimeDir /run/apache2' 'PidFile /run/apache2/apache2.pid' \
		      'ErrorLog /dev/stderr' 'LogLevel warn' 'DocumentRoot /srv/www' \
		      'KeepAlive On' 'MaxKeepAliveRequests 0' 'StartServers 1' 'ServerLimit 1' \
		      'ThreadsPerChild 25' 'MaxRequestWorkers 25' 'MinSpareThreads 1' 'MaxSpareThreads 25' \
		      > /srv/apache2.conf
APACHE_SERVER      := /usr/sbin/apache2 -f /srv/apache2.conf -DFOREGROUND
APACHE_PORT        := 80
APACHE_READY       := tcp:80
APACHE_CLIENT       = $(call pgo-ab-client,25000)
APACHE_OPS          = $(pgo-ab-ops)
APACHE_RESULT       = $(pgo-ab-result)
APACHE_MEM         := 256
APACHE_TIMEOUT     := 900

$(eval $(kpgo-recipe))
