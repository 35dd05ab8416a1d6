# portico %postun ($1: 0 on erase, 1 on upgrade). Upgrade: restart a running service on the new
# files (%systemd_postun_with_restart; porticod drains requests in flight first). The user, the
# keys file and /var/lib/portico's contents stay on erase: rpm has no purge, and they hold the
# admin's data (rpm removes the then-empty /var/lib/portico itself).
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart portico.service >/dev/null 2>&1 || :
    fi
fi
exit 0
