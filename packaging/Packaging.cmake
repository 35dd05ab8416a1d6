# Portico's .deb and .rpm packages (CPack). Included at the end of the top-level CMakeLists.txt.
#
#   cpack --config <build>/CPackConfig.cmake -B <dir>     (or: scripts/dev.sh package)
#
# gives <dir>/portico_<version>_<arch>.deb and <dir>/portico-<version>.<arch>.rpm.
#
# Layout of the packages:
#   /usr/sbin/porticod, /usr/lib/portico/libportico-core.so.*, /usr/lib/portico/plugins/*.so
#   /etc/portico/{portico.ini,portico.xml,keys.example,conf.d/README}   conffiles / %config(noreplace)
#   /etc/portico/keys            0640 root:portico, made by the post-install script, never replaced
#   /var/lib/portico             0750 portico:portico, the service's state
#   /lib/systemd/system/portico.service  (rpm: /usr/lib/systemd/system, where Fedora/RHEL keep units)
#   /usr/share/doc/portico       README.md, docs/*.md, plugins/<name>/README.md, copyright
#
# Why install components: `cmake --install <build> --prefix P` must keep giving P/sbin,
# P/lib/portico/plugins and P/etc/portico (the tests rely on it), while the packages need /usr for
# the programs but /etc, /var and /lib for the rest. CPack installs each component at its own
# root (CPACK_INSTALL_CMAKE_PROJECTS in CPackProjectConfig.cmake), so every install rule stays
# relative and none of them can write outside the prefix it is given.
#   Unspecified     programs, libraries, plugins, headers (every rule without a COMPONENT)  -> /usr
#   portico_docs    share/doc/portico                                                       -> /usr
#   portico_config  etc/portico (the example configs and conf.d/)                            -> /
#   portico_unit    lib/systemd/system/portico.service     (not in a plain install)  -> / or /usr
#   portico_state   var/lib/portico, rpm only: the rpm owns it with %attr (not in a plain install)

set(PORTICO_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})

set(PORTICO_PACKAGE_CONTACT "Portico maintainers <maintainers@users.noreply.r-seed-4faf0359.example>"
    CACHE STRING "Maintainer of the .deb and .rpm packages (name <email>)")

# porticod's built-in default config path comes from the install prefix; a package built from a
# tree configured for another prefix still works (the unit passes --config), but say so.
if(NOT CMAKE_INSTALL_FULL_SYSCONFDIR STREQUAL "/etc")
  message(STATUS "Packaging: porticod's default config is ${CMAKE_INSTALL_FULL_SYSCONFDIR}/portico/portico.ini; "
                 "configure with -DCMAKE_INSTALL_PREFIX=/usr for packages whose default is /etc/portico/portico.ini")
endif()

# --- files that only the packages (and a plain install's share/ and etc/) carry ------------------

file(GLOB PORTICO_DOC_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PORTICO_PACKAGING_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/portico COMPONENT portico_docs)
install(FILES ${PORTICO_DOC_PAGES}
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/portico/docs COMPONENT portico_docs)
# Same relative layout as the source tree, so README.md's links keep working.
file(GLOB PORTICO_PLUGIN_READMES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/plugins/*/README.md)
foreach(readme IN LISTS PORTICO_PLUGIN_READMES)
  get_filename_component(plugin_dir ${readme} DIRECTORY)
  get_filename_component(plugin_name ${plugin_dir} NAME)
  install(FILES ${readme}
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/portico/plugins/${plugin_name} COMPONENT portico_docs)
endforeach()

install(FILES ${PORTICO_PACKAGING_DIR}/conf.d/README
        DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/portico/conf.d COMPONENT portico_config)
install(FILES ${PORTICO_PACKAGING_DIR}/systemd/portico.service
        DESTINATION lib/systemd/system COMPONENT portico_unit EXCLUDE_FROM_ALL)
install(DIRECTORY DESTINATION var/lib/portico COMPONENT portico_state EXCLUDE_FROM_ALL)

# --- common ----------------------------------------------------------------------------------------

set(CPACK_GENERATOR "DEB;RPM")
set(CPACK_PACKAGE_NAME portico)
set(CPACK_PACKAGE_VENDOR "Portico")
set(CPACK_PACKAGE_CONTACT "${PORTICO_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OpenAI-compatible API gateway with plugins")
set(CPACK_PACKAGE_DESCRIPTION
    "Portico is an OpenAI-compatible API gateway. porticod serves HTTP and loads its
features as plugins, in the order its configuration gives: security headers, CORS,
API keys, tracing, rate limits, idempotency keys, Prometheus metrics, log redaction and
the OpenAI endpoints (built-in local models or an upstream). It runs as the systemd
service portico.service; /etc/portico/conf.d/ holds per-environment overrides.")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX "/")
set(CPACK_STRIP_FILES ON)
set(CPACK_PROJECT_CONFIG_FILE ${PORTICO_PACKAGING_DIR}/CPackProjectConfig.cmake)
# Read by CPackProjectConfig.cmake, which picks the components per generator.
set(CPACK_PORTICO_BUILD_DIR ${PROJECT_BINARY_DIR})

# --- .deb ------------------------------------------------------------------------------------------

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # portico_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libportico-core.so lives in a private folder; dpkg-shlibdeps must find it there (and not
# turn it into a dependency).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS usr/lib/portico)
# passwd: groupadd/useradd in postinst. The shared-library dependencies come from shlibdeps.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PORTICO_PACKAGING_DIR}/deb/conffiles
    ${PORTICO_PACKAGING_DIR}/deb/postinst
    ${PORTICO_PACKAGING_DIR}/deb/prerm
    ${PORTICO_PACKAGING_DIR}/deb/postrm)

# --- .rpm ------------------------------------------------------------------------------------------

set(CPACK_RPM_FILE_NAME "portico-${PROJECT_VERSION}.${CMAKE_SYSTEM_PROCESSOR}.rpm")
set(CPACK_RPM_PACKAGE_RELEASE 1)
set(CPACK_RPM_PACKAGE_LICENSE "Unspecified")
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Daemons")
set(CPACK_RPM_PACKAGE_REQUIRES_PRE "shadow-utils")
set(CPACK_RPM_PACKAGE_AUTOREQPROV ON)
# The ELF dependencies are generated; our private core library is neither required (it is in the
# package) nor provided to other packages.
set(CPACK_RPM_SPEC_MORE_DEFINE
    "%global __requires_exclude ^libportico-core\\\\.so.*$\n%global __provides_exclude_from ^/usr/lib/portico/.*$")
set(CPACK_RPM_PRE_INSTALL_SCRIPT_FILE ${PORTICO_PACKAGING_DIR}/rpm/pre.sh)
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${PORTICO_PACKAGING_DIR}/rpm/post.sh)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${PORTICO_PACKAGING_DIR}/rpm/preun.sh)
set(CPACK_RPM_POST_UNINSTALL_SCRIPT_FILE ${PORTICO_PACKAGING_DIR}/rpm/postun.sh)
# Directories that belong to the distribution, not to us.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/sbin /usr/lib/systemd /usr/lib/systemd/system /var /var/lib)
set(CPACK_RPM_USER_FILELIST
    "%config(noreplace) /etc/portico/portico.ini"
    "%config(noreplace) /etc/portico/portico.xml"
    "%config(noreplace) /etc/portico/keys.example"
    "%config(noreplace) /etc/portico/conf.d/README"
    # Made by %post (rpm cannot know the group before %pre ran); %ghost: owned, not shipped.
    "%ghost %config(noreplace) %attr(0640,root,portico) /etc/portico/keys"
    "%dir %attr(0750,portico,portico) /var/lib/portico")

include(CPack)

if(BUILD_TESTING)
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/packaging ${PROJECT_BINARY_DIR}/tests/packaging)
endif()
