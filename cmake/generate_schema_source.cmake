# Script mode (cmake -DSCHEMA_DIR=... -DOUTPUT=... -P this-file): writes a C++
# source defining bb::catalog_detail::embedded_schemas(), every *.json under
# SCHEMA_DIR as {relative path, text} in path order, and embedded_types(),
# every event type and alias a payload schema names in its "x-event-types",
# with the index of its file. The texts are raw string literals, so the files
# are embedded byte for byte; the type index lets a lookup skip parsing them.
if(NOT SCHEMA_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DSCHEMA_DIR=dir -DOUTPUT=file.cpp -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

set(delimiter "bbschema")
file(GLOB_RECURSE files RELATIVE ${SCHEMA_DIR} ${SCHEMA_DIR}/*.json)
list(SORT files)

# Adds {"NAME", INDEX} to the type index; a name that could break the C++
# literal is a schema mistake, caught here.
macro(add_type name index)
  if(NOT "${name}" MATCHES "^[A-Za-z0-9._-]+$")
    message(FATAL_ERROR "${file}: event type \"${name}\" is not a dotted name")
  endif()
  string(APPEND types "    {\"${name}\", ${index}},\n")
  math(EXPR type_count "${type_count} + 1")
endmacro()

set(entries "")
set(types "")
set(type_count 0)
set(index 0)
foreach(file IN LISTS files)
  file(READ ${SCHEMA_DIR}/${file} text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains )${delimiter}\", which would end its raw string")
  endif()
  string(APPEND entries "    {\"${file}\", R\"${delimiter}(${text})${delimiter}\"},\n")
  # A schema without the member is reported by the catalog's own checks.
  string(JSON declared ERROR_VARIABLE missing GET "${text}" "x-event-types")
  if(NOT missing)
    string(JSON names ERROR_VARIABLE not_object LENGTH "${declared}")
    if(NOT not_object AND names GREATER 0)
      math(EXPR last "${names} - 1")
      foreach(n RANGE ${last})
        string(JSON name MEMBER "${declared}" ${n})
        add_type("${name}" ${index})
        string(JSON aliases ERROR_VARIABLE no_aliases GET "${declared}" "${name}")
        string(JSON alias_count ERROR_VARIABLE no_aliases LENGTH "${declared}" "${name}")
        if(NOT no_aliases AND alias_count GREATER 0)
          math(EXPR last_alias "${alias_count} - 1")
          foreach(a RANGE ${last_alias})
            string(JSON alias GET "${aliases}" ${a})
            add_type("${alias}" ${index})
          endforeach()
        endif()
      endforeach()
    endif()
  endif()
  math(EXPR index "${index} + 1")
endforeach()
if(type_count EQUAL 0)
  message(FATAL_ERROR "no schema under ${SCHEMA_DIR} names an event type")
endif()

list(LENGTH files count)
set(source "// Generated from schemas/*.json by cmake/generate_schema_source.cmake. Do not edit.
#include \"catalog/embedded.hpp\"

namespace bb::catalog_detail {
namespace {
constexpr EmbeddedSchema files[${count}] = {
${entries}};
constexpr EmbeddedType types[${type_count}] = {
${types}};
} // namespace

std::span<const EmbeddedSchema> embedded_schemas() { return files; }
std::span<const EmbeddedType> embedded_types() { return types; }

} // namespace bb::catalog_detail
")

file(WRITE ${OUTPUT} "${source}")
