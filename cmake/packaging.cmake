# Installation layout and the Debian package. `cmake --install` puts the
# binaries, man pages and shell completions where Debian expects them; CPack
# builds a .deb whose dependencies dpkg-shlibdeps derives from the binaries,
# so they are exactly the Debian runtime packages we link against.
include(GNUInstallDirs)
include(${CMAKE_CURRENT_LIST_DIR}/debian/copyright.cmake)

# Compressed at build time, as Debian policy wants: gzip -9n (best
# compression, no name or time stamp, so the same page gives the same bytes).
# Copied first: gzip replaces its input with the .gz.
set(BB_GZIPPED_FILES "")
function(bb_gzip source destination)
  set(plain ${PROJECT_BINARY_DIR}/gz/${destination})
  add_custom_command(OUTPUT ${plain}.gz
    COMMAND ${CMAKE_COMMAND} -E copy ${source} ${plain}
    COMMAND gzip -9nf ${plain}
    DEPENDS ${source} VERBATIM)
  set(BB_GZIPPED_FILES ${BB_GZIPPED_FILES} ${plain}.gz PARENT_SCOPE)
endfunction()

foreach(section 1 5 7)
  file(GLOB pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.${section})
  foreach(page ${pages})
    get_filename_component(name ${page} NAME)
    bb_gzip(${page} man${section}/${name})
    install(FILES ${PROJECT_BINARY_DIR}/gz/man${section}/${name}.gz
      DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
endforeach()

# The licence in Debian's machine-readable format, and the changelog (the
# package is native: it is built from this tree, so changelog.gz).
bb_write_copyright(${PROJECT_BINARY_DIR}/gz/copyright)
bb_gzip(${CMAKE_CURRENT_LIST_DIR}/debian/changelog changelog)
install(FILES ${PROJECT_BINARY_DIR}/gz/copyright ${PROJECT_BINARY_DIR}/gz/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
add_custom_target(bb_compressed_docs ALL DEPENDS ${BB_GZIPPED_FILES})

file(GLOB bash_completions CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/completions/bash/*)
install(FILES ${bash_completions} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
file(GLOB zsh_completions CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/completions/zsh/_*)
install(FILES ${zsh_completions} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bloodbank)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# The project has no mail domain of its own: .invalid (RFC 2606) says so
# honestly and is a well-formed address; a distributor puts theirs here (and
# in cmake/debian/changelog).
set(CPACK_PACKAGE_CONTACT "bloodbank maintainers <maintainers@bloodbank.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION [=[
Command-line tools for an event bus on RabbitMQ and Redis, for shell
scripts, cron jobs and people at a terminal. bb-publish sends JSON event
envelopes to a topic exchange with publisher confirms and records each
event's causal parents in Redis; bb-consume streams events to stdout or runs
a command per event; bb-trace walks the causal chains as a tree, JSON, DOT
or Mermaid; bb-id prints the deterministic id of an event.

Envelopes, Redis keys and ids are those of the Python tracker of the same
event bus, byte for byte.]=])
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libhiredis is loaded when Redis is first used (lib/src/redis/
# hiredis_library.cpp), out of dpkg-shlibdeps' sight: its package is named.
get_filename_component(hiredis_dir ${BB_HIREDIS_LIBRARY} DIRECTORY)
execute_process(COMMAND dpkg-query -S ${hiredis_dir}/${BB_HIREDIS_SONAME}
  OUTPUT_VARIABLE hiredis_owner ERROR_QUIET)
if(hiredis_owner MATCHES "^([^:,]+)")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS ${CMAKE_MATCH_1})
endif()
# amqps:// verifies the broker against the system CA store by default; the
# bash completions need bash-completion to be loaded.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, bash-completion")
# Stripped, as Debian ships binaries; the build tree keeps the debug info.
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)
include(CPack)
