# Embeds the files of the web page (web/: HTML, CSS, JavaScript) into a
# target at build time, as cmake/embed_schemas.cmake does for the schemas:
# bb-trace serve answers them from memory, so the page needs no install
# path and works offline. Regenerated whenever a file of web/ changes.
set(BB_WEB_GENERATOR ${CMAKE_CURRENT_LIST_DIR}/generate_web_source.cmake)

function(bb_embed_web target)
  set(web_dir ${PROJECT_SOURCE_DIR}/web)
  # CONFIGURE_DEPENDS: a file added or removed re-runs the configure step.
  file(GLOB web_files CONFIGURE_DEPENDS ${web_dir}/*.html ${web_dir}/*.css ${web_dir}/*.js)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_web.cpp)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${web_dir} -DOUTPUT=${output}
            -P ${BB_WEB_GENERATOR}
    DEPENDS ${web_files} ${BB_WEB_GENERATOR}
    COMMENT "Embedding the web page of web/"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
