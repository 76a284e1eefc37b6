# Script mode (cmake -DWEB_DIR=... -DOUTPUT=... -P this-file): writes a C++
# source defining bb::http_detail::embedded_web_files(), every *.html, *.css
# and *.js directly under WEB_DIR as {file name, text} in name order. The
# texts are raw string literals, so the files are embedded byte for byte.
if(NOT WEB_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DWEB_DIR=dir -DOUTPUT=file.cpp -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

set(delimiter "bbweb")
file(GLOB files RELATIVE ${WEB_DIR} ${WEB_DIR}/*.html ${WEB_DIR}/*.css ${WEB_DIR}/*.js)
list(SORT files)
if(NOT files)
  message(FATAL_ERROR "no web file under ${WEB_DIR}")
endif()

set(entries "")
foreach(file IN LISTS files)
  if(NOT "${file}" MATCHES "^[A-Za-z0-9._-]+$")
    message(FATAL_ERROR "${file}: a web file's name must be a plain file name")
  endif()
  file(READ ${WEB_DIR}/${file} text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains )${delimiter}\", which would end its raw string")
  endif()
  string(APPEND entries "    {\"${file}\", R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()

list(LENGTH files count)
set(source "// Generated from web/ by cmake/generate_web_source.cmake. Do not edit.
#include \"http/web_files.hpp\"

namespace bb::http_detail {
namespace {
constexpr WebFile files[${count}] = {
${entries}};
} // namespace

std::span<const WebFile> embedded_web_files() { return files; }

} // namespace bb::http_detail
")

file(WRITE ${OUTPUT} "${source}")
