# ctest compat_doc_fresh: regenerates the compatibility page to OUT and
# compares it with the committed DOC.
execute_process(COMMAND ${GENERATOR} --out ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compat_docgen failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${DOC} ${OUT} RESULT_VARIABLE differ)
if(differ)
  execute_process(COMMAND diff -u ${DOC} ${OUT})
  message(FATAL_ERROR
    "docs/compatibility.md is stale (or missing). Regenerate it from the source tree with:\n"
    "  build/compat/compat_docgen --out docs/compatibility.md\n"
    "(or: cmake --build <build dir> --target compat_regen_doc) and commit it.")
endif()
