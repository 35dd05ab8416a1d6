# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE). Picks which install components go
# into the package and at which root: see the component table in Packaging.cmake.
#
# .deb: Debian keeps units in /lib/systemd/system; /var/lib/portico is made by postinst (dpkg
#       cannot give a directory to a user that only postinst creates).
# .rpm: Fedora/RHEL keep units in /usr/lib/systemd/system; the rpm owns /var/lib/portico with
#       %attr(portico) because %pre made the user before the files are laid down.

set(_build "${CPACK_PORTICO_BUILD_DIR}")
set(CPACK_INSTALL_CMAKE_PROJECTS
    "${_build};portico;Unspecified;/usr"
    "${_build};portico;portico_docs;/usr"
    "${_build};portico;portico_config;/")

if(CPACK_GENERATOR STREQUAL "DEB")
  list(APPEND CPACK_INSTALL_CMAKE_PROJECTS "${_build};portico;portico_unit;/")
elseif(CPACK_GENERATOR STREQUAL "RPM")
  list(APPEND CPACK_INSTALL_CMAKE_PROJECTS
       "${_build};portico;portico_unit;/usr"
       "${_build};portico;portico_state;/")
endif()
unset(_build)
