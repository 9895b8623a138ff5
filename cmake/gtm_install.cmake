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
foreach(unit gtm-serve.service gtm-lb.service)
  configure_file(conf/systemd/${unit}.in ${PROJECT_BINARY_DIR}/systemd/${unit} @ONLY)
  # systemd looks in /usr/lib/systemd and /usr/local/lib/systemd alike.
  install(FILES ${PROJECT_BINARY_DIR}/systemd/${unit} DESTINATION lib/systemd/system)
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
install(FILES conf/example.toml conf/sample-site.toml conf/sample-lb.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
