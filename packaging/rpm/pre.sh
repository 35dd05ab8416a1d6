# portico %pre: the service user exists before the files are laid down, so that rpm can give
# /var/lib/portico to it (%attr in the file list). Without it the package is unusable: fail.
getent group portico >/dev/null || groupadd --system portico || exit 1
getent passwd portico >/dev/null || \
    useradd --system --gid portico --home-dir /var/lib/portico --no-create-home \
        --shell /usr/sbin/nologin --comment "Portico API gateway" portico || exit 1
exit 0
