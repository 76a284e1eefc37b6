# Writes the package's machine-readable copyright file (DEP-5) from LICENSE,
# so that the licence text lives in one place. Run at configure time:
#   include(cmake/debian/copyright.cmake); bb_write_copyright(OUTPUT)
function(bb_write_copyright output)
  set(license_file ${PROJECT_SOURCE_DIR}/LICENSE)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${license_file})
  file(STRINGS ${license_file} lines)
  set(holders "")
  set(body "")
  set(in_body FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^Copyright \\(c\\) (.+)$")
      set(holders "${CMAKE_MATCH_1}")
      set(in_body TRUE)
    elseif(in_body)
      # DEP-5 continuation lines: one leading space, a lone "." for a blank line.
      if(line STREQUAL "")
        string(APPEND body " .\n")
      else()
        string(APPEND body " ${line}\n")
      endif()
    endif()
  endforeach()
  if(holders STREQUAL "")
    message(FATAL_ERROR "${license_file} has no \"Copyright (c) YEAR HOLDERS\" line")
  endif()
  # The text after the copyright line starts with a blank line: drop it.
  string(REGEX REPLACE "^ \\.\n" "" body "${body}")
  file(WRITE ${output}
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
    "Upstream-Name: ${PROJECT_NAME}\n"
    "\n"
    "Files: *\n"
    "Copyright: ${holders}\n"
    "License: Expat\n"
    "${body}")
endfunction()
