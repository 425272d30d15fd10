# Installation: headers, libraries, the CMake package (unimq-config.cmake with one component per
# adapter and exporter) and pkg-config files (unimq.pc, unimq-<component>.pc).
#
#   cmake --install build --prefix P
#   find_package(unimq 0.1 CONFIG REQUIRED COMPONENTS redis nats)   # unimq::unimq unimq::redis ...
#   pkg-config --cflags --libs [--static] unimq-redis
#
# Install components (the Debian packages of cmake/UnimqPackaging.cmake): `runtime` has the
# shared libraries, `dev` the headers, static libraries, .so links, CMake package and pkg-config
# files; the CLI (tools/cli) installs as `tools`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(UNIMQ_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/unimq)
# From <prefix>/<libdir>/pkgconfig back up to <prefix> ("../.." for lib, "../../.." for
# Debian's lib/x86_64-linux-gnu): the .pc files find their prefix relative to themselves.
string(REGEX REPLACE "[^/]+" ".." UNIMQ_PC_UP "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
set(UNIMQ_INSTALLED_COMPONENTS "" CACHE INTERNAL "components installed with this build")

# unimq_install_library(<target> <export>): installs a library of ours into <export>. A shared
# library gets the soname libX.so.<major>.<minor> (0.x releases may break the ABI at every minor
# version) in component runtime, its .so link in dev.
function(unimq_install_library target export)
  set_target_properties(${target} PROPERTIES VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  install(TARGETS ${target} EXPORT ${export}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endfunction()

# unimq_install_component(<name> <target> <dependency cmake code> <pkg-config Requires.private>
#                         <hook>): installs <target> as unimq::<name> in its own export file,
# with the code a static build's consumer needs to find its private dependencies, and
# unimq-<name>.pc, which keeps the function unimq_<hook> in every link (as the CMake target does).
function(unimq_install_component name target dependency_code pc_requires_private hook)
  unimq_install_library(${target} unimq-${name}-targets)
  install(EXPORT unimq-${name}-targets NAMESPACE unimq:: DESTINATION ${UNIMQ_CMAKE_DIR}
    FILE unimq-${name}-targets.cmake COMPONENT dev)
  file(WRITE ${PROJECT_BINARY_DIR}/unimq-${name}-dependencies.cmake "${dependency_code}\n")
  install(FILES ${PROJECT_BINARY_DIR}/unimq-${name}-dependencies.cmake DESTINATION ${UNIMQ_CMAKE_DIR}
    COMPONENT dev)
  set(UNIMQ_PC_NAME ${name})
  set(UNIMQ_PC_LIBRARY ${target})
  set(UNIMQ_PC_REQUIRES_PRIVATE ${pc_requires_private})
  set(UNIMQ_PC_HOOK ${hook})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/unimq-component.pc.in
    ${PROJECT_BINARY_DIR}/pkgconfig/unimq-${name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/unimq-${name}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
  set(UNIMQ_INSTALLED_COMPONENTS ${UNIMQ_INSTALLED_COMPONENTS} ${name} CACHE INTERNAL "")
endfunction()

# unimq_install_core(): the core library, the public headers, the package config and version
# files and unimq.pc. Call after every component was added.
function(unimq_install_core)
  unimq_install_library(unimq unimq-targets)
  install(EXPORT unimq-targets NAMESPACE unimq:: DESTINATION ${UNIMQ_CMAKE_DIR}
    FILE unimq-targets.cmake COMPONENT dev)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/unimq DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    COMPONENT dev)
  if(BUILD_SHARED_LIBS)
    set(UNIMQ_STATIC OFF)
  else()
    set(UNIMQ_STATIC ON)
  endif()
  list(REMOVE_ITEM UNIMQ_INSTALLED_COMPONENTS memory)
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/unimq-config.cmake.in
    ${PROJECT_BINARY_DIR}/unimq-config.cmake INSTALL_DESTINATION ${UNIMQ_CMAKE_DIR})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/unimq-config-version.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/unimq-config.cmake
    ${PROJECT_BINARY_DIR}/unimq-config-version.cmake DESTINATION ${UNIMQ_CMAKE_DIR} COMPONENT dev)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/unimq.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/unimq.pc
    @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/unimq.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endfunction()
