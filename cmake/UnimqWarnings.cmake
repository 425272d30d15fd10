include(UnimqSanitize)

# unimq_warnings(target): the project's warning set, applied per target (never globally), and
# the sanitizers of UNIMQ_SANITIZE: every target of ours calls this, third-party code never does.
function(unimq_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(UNIMQ_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  unimq_sanitize(${target})
endfunction()

# unimq_keep_linked(target symbol): every program linking <target> keeps it, although it calls
# none of its functions (the core finds adapters and exporters through weak symbols): <symbol> is
# forced into the link (-u), so a static archive is never dropped, and a shared library is linked
# --no-as-needed, so it stays a DT_NEEDED dependency (Debian's gcc links --as-needed by default,
# which dropped every adapter of a shared build).
function(unimq_keep_linked target symbol)
  target_link_options(${target} INTERFACE "LINKER:--undefined=${symbol}")
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    target_link_options(${target} INTERFACE "LINKER:--no-as-needed")
  endif()
endfunction()

# unimq_adapter(name sources...): an adapter library unimq_<name> with alias unimq::<name>.
# Its registration function unimq_adapter_register_<name> is forced into every link of the
# target (-u), so static linking never drops the adapter, and the core's init calls it.
function(unimq_adapter name)
  add_library(unimq_${name} ${ARGN})
  add_library(unimq::${name} ALIAS unimq_${name})
  target_link_libraries(unimq_${name} PUBLIC unimq)
  target_compile_features(unimq_${name} PUBLIC cxx_std_20)
  unimq_keep_linked(unimq_${name} unimq_adapter_register_${name})
  set_target_properties(unimq_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  unimq_warnings(unimq_${name})
endfunction()
