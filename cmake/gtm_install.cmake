# What `cmake --install` puts where (GNUInstallDirs; CMAKE_INSTALL_PREFIX
# and DESTDIR honoured): gtm in sbin, the systemd units and the sysusers.d
# entry for the gtm user under lib/, a starter config in SYSCONFDIR/gtm
# (kept if one is there), bash completion, docs and samples. The units name
# the configured paths: give the prefix when configuring
# (cmake -DCMAKE_INSTALL_PREFIX=/usr puts the config in /etc/gtm), not only
# to `cmake --install --prefix`.
include(GNUInstallDirs)

set(GTM_SBINDIR "${CMAKE_INSTALL_FULL_SBINDIR}")
set(GTM_CONFDIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/gtm")
set(GTM_DOCDIR "${CMAKE_INSTALL_FULL_DOCDIR}")
# Where the units go: under the prefix by default (systemd reads
# /usr/local/lib/systemd/system too); Debian 12's debhelper wants
# /lib/systemd/system (debian/rules says so).
set(GTM_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING "Where the systemd units are installed")
foreach(unit gtm-serve.service gtm-lb.service)
  configure_file(conf/systemd/${unit}.in ${PROJECT_BINARY_DIR}/systemd/${unit} @ONLY)
  # systemd looks in /usr/lib/systemd and /usr/local/lib/systemd alike.
  install(FILES ${PROJECT_BINARY_DIR}/systemd/${unit} DESTINATION ${GTM_SYSTEMD_UNIT_DIR})
endforeach()
install(FILES conf/sysusers.d/gtm.conf DESTINATION lib/sysusers.d)

install(TARGETS gtm RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES conf/bash-completion/gtm DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
# The starter config answers vpn.example.com on 127.0.0.1:5353 and probes
# only 127.0.0.0/8 until it is edited; an existing one is never replaced.
install(CODE "
  set(config \"\$ENV{DESTDIR}${GTM_CONFDIR}/gtm.toml\")
  if(NOT EXISTS \"\${config}\")
    file(INSTALL \"${PROJECT_SOURCE_DIR}/conf/example.toml\" DESTINATION \"${GTM_CONFDIR}\" RENAME gtm.toml)
  else()
    message(STATUS \"Kept: \${config}\")
  endif()")
install(FILES README.md docs/always-on-vpn.md docs/cluster.md docs/dnssec.md docs/lab.md docs/site-balancer.md
              docs/xdp.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES conf/example.toml conf/sample-site.toml conf/sample-lb.toml conf/prometheus/gtm-alerts.yml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The man pages, gtm(8) and gtm.toml(5), from their Markdown in docs/man by
# pandoc (a Build-Depends); without it, none are made and a warning says so.
find_program(PANDOC pandoc)
if(PANDOC)
  set(GTM_MAN_PAGES "")
  foreach(page gtm.8 gtm.toml.5)
    string(REGEX MATCH "[0-9]$" section ${page})
    set(out ${PROJECT_BINARY_DIR}/man/${page})
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${PANDOC} --standalone --to man ${PROJECT_SOURCE_DIR}/docs/man/${page}.md --output ${out}
      DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/${page}.md VERBATIM)
    list(APPEND GTM_MAN_PAGES ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(man ALL DEPENDS ${GTM_MAN_PAGES})
else()
  message(WARNING "pandoc is not installed: no man pages (scripts/install-deps.sh installs it)")
endif()
