# UNIMQ_SANITIZE: instrument our own targets (never third-party code) with a sanitizer set.
#   ""                   no instrumentation (default)
#   "address,undefined"  ASan + UBSan (+ LeakSanitizer, which ASan enables)
#   "thread"             TSan
# Every report is fatal (-fno-sanitize-recover=all), so a finding fails the test that hit it.
set(UNIMQ_SANITIZE "" CACHE STRING "Sanitizers for unimq's targets: '', 'address,undefined' or 'thread'")
set_property(CACHE UNIMQ_SANITIZE PROPERTY STRINGS "" "address,undefined" "thread")
if(NOT UNIMQ_SANITIZE STREQUAL "" AND NOT UNIMQ_SANITIZE STREQUAL "address,undefined"
   AND NOT UNIMQ_SANITIZE STREQUAL "thread")
  message(FATAL_ERROR "UNIMQ_SANITIZE='${UNIMQ_SANITIZE}': expected '', 'address,undefined' or 'thread'")
endif()

# unimq_sanitize(target): applies UNIMQ_SANITIZE to `target` (compile and link).
function(unimq_sanitize target)
  if(UNIMQ_SANITIZE STREQUAL "")
    return()
  endif()
  set(flags -fsanitize=${UNIMQ_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(${target} PRIVATE ${flags})
  target_link_options(${target} PUBLIC -fsanitize=${UNIMQ_SANITIZE})
endfunction()
