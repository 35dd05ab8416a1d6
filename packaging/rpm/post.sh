# portico %post ($1: 1 on install, 2 on upgrade). The keys file is %ghost in the package: made
# here once, never replaced by an upgrade. No systemctl call may fail the install.
if [ ! -e /etc/portico/keys ]; then
    install -o root -g portico -m 0640 /dev/null /etc/portico/keys || :
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
# Fedora's %systemd_post: the distribution's preset decides whether a new service is enabled.
if [ "$1" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then
    systemctl --no-reload preset portico.service >/dev/null 2>&1 || :
fi
exit 0
