# Installation layout and the Debian package. `cmake --install` puts the
# binaries, man pages and shell completions where Debian expects them; CPack
# builds a .deb whose dependencies dpkg-shlibdeps derives from the binaries,
# so they are exactly the Debian runtime packages we link against.
include(GNUInstallDirs)

foreach(section 1 5 7)
  file(GLOB pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.${section})
  install(FILES ${pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

file(GLOB bash_completions CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/completions/bash/*)
install(FILES ${bash_completions} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
file(GLOB zsh_completions CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/completions/zsh/_*)
install(FILES ${zsh_completions} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bloodbank)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "bloodbank maintainers <bloodbank@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# amqps:// verifies the broker against the system CA store by default.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
# Stripped, as Debian ships binaries; the build tree keeps the debug info.
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)
include(CPack)
