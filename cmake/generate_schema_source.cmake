# Script mode (cmake -DSCHEMA_DIR=... -DOUTPUT=... -P this-file): writes a C++
# source defining bb::catalog_detail::embedded_schemas(), every *.json under
# SCHEMA_DIR as {relative path, text} in path order. The texts are raw string
# literals, so the files are embedded byte for byte.
if(NOT SCHEMA_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DSCHEMA_DIR=dir -DOUTPUT=file.cpp -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

set(delimiter "bbschema")
file(GLOB_RECURSE files RELATIVE ${SCHEMA_DIR} ${SCHEMA_DIR}/*.json)
list(SORT files)

set(entries "")
foreach(file IN LISTS files)
  file(READ ${SCHEMA_DIR}/${file} text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains )${delimiter}\", which would end its raw string")
  endif()
  string(APPEND entries "    {\"${file}\", R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()

list(LENGTH files count)
set(source "// Generated from schemas/*.json by cmake/generate_schema_source.cmake. Do not edit.
#include \"catalog_embedded.hpp\"

namespace bb::catalog_detail {
namespace {
constexpr EmbeddedSchema files[${count}] = {
${entries}};
} // namespace

std::span<const EmbeddedSchema> embedded_schemas() { return files; }

} // namespace bb::catalog_detail
")

file(WRITE ${OUTPUT} "${source}")
