# unimq_optional_adapter(<OPTION_SUFFIX> <dir> <PKG module|CMAKE package> <debian-package>
#                        [<pkg-config module of a CMAKE package>])
#
# When UNIMQ_WITH_<OPTION_SUFFIX> is ON: finds the adapter's C client (pkg-config module or CMake
# package) and adds adapters/<dir>. A missing client library is a configure error that names the
# Debian package to install, so nobody gets a build that silently lacks the broker they asked for.
find_package(PkgConfig QUIET)

function(unimq_optional_adapter suffix dir kind what deb)
  if(NOT UNIMQ_WITH_${suffix})
    return()
  endif()
  set(found FALSE)
  if(kind STREQUAL "PKG")
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(UNIMQ_DEP_${suffix} QUIET IMPORTED_TARGET GLOBAL ${what})
      set(found ${UNIMQ_DEP_${suffix}_FOUND})
    endif()
  else()
    find_package(${what} CONFIG QUIET)
    set(found ${${what}_FOUND})
  endif()
  if(NOT found)
    message(FATAL_ERROR
      "UNIMQ_WITH_${suffix}=ON but its client library (${what}) was not found. "
      "Install the Debian package ${deb} (scripts/install-deps does), or configure with "
      "-DUNIMQ_WITH_${suffix}=OFF.")
  endif()
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/adapters/${dir}/CMakeLists.txt)
    message(FATAL_ERROR
      "UNIMQ_WITH_${suffix}=ON but the ${dir} adapter is not part of this source tree yet.")
  endif()
  add_subdirectory(${PROJECT_SOURCE_DIR}/adapters/${dir} ${PROJECT_BINARY_DIR}/adapters/${dir})
  # What a consumer of a static installation needs to resolve the adapter's PRIVATE dependency.
  if(kind STREQUAL "PKG")
    set(dependency_code "find_dependency(PkgConfig)\n"
      "pkg_check_modules(UNIMQ_DEP_${suffix} REQUIRED QUIET IMPORTED_TARGET GLOBAL ${what})")
    set(pc_requires ${what})
  else()
    set(dependency_code "find_dependency(${what})")
    set(pc_requires "")
    if(ARGC GREATER 5)
      set(pc_requires ${ARGV5})  # for unimq-<dir>.pc
    endif()
  endif()
  string(JOIN "" dependency_code ${dependency_code})
  unimq_install_component(${dir} unimq_${dir} "${dependency_code}" "${pc_requires}"
    adapter_register_${dir})
endfunction()

# unimq_link_adapters(<target>): links the memory adapter and every optional adapter this build
# has, so one binary (test, example, bench) runs on whatever broker its URL names. if(TARGET) is
# evaluated at the call, so call it after the adapters were added in the top-level CMakeLists.
set(UNIMQ_OPTIONAL_ADAPTERS kafka rabbitmq redis nats)
function(unimq_link_adapters target)
  target_link_libraries(${target} PRIVATE unimq::memory)
  foreach(adapter IN LISTS UNIMQ_OPTIONAL_ADAPTERS)
    if(TARGET unimq_${adapter})
      target_link_libraries(${target} PRIVATE unimq::${adapter})
    endif()
  endforeach()
endfunction()
