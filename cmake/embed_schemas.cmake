# Embeds the JSON Schemas under schemas/ into a target at build time: a
# generated C++ source holds each file's text, regenerated whenever a schema
# (or the generator) changes. The catalog module (lib/src/catalog*.cpp) reads
# them through lib/src/catalog/embedded.hpp.
set(BB_SCHEMA_GENERATOR ${CMAKE_CURRENT_LIST_DIR}/generate_schema_source.cmake)

function(bb_embed_schemas target)
  set(schema_dir ${PROJECT_SOURCE_DIR}/schemas)
  # CONFIGURE_DEPENDS: a schema file added or removed re-runs the configure step.
  file(GLOB_RECURSE schema_files CONFIGURE_DEPENDS ${schema_dir}/*.json)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_schemas.cpp)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DSCHEMA_DIR=${schema_dir} -DOUTPUT=${output}
            -P ${BB_SCHEMA_GENERATOR}
    DEPENDS ${schema_files} ${BB_SCHEMA_GENERATOR}
    COMMENT "Embedding the JSON schemas of schemas/"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
