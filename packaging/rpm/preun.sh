# portico %preun ($1: 0 on erase, 1 on upgrade). Erase: stop and disable (%systemd_preun).
if [ "$1" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
        systemctl --no-reload disable --now portico.service >/dev/null 2>&1 || :
    else
        systemctl --no-reload disable portico.service >/dev/null 2>&1 || :
    fi
fi
exit 0
