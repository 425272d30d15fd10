# Debian packages with CPack: `cpack -G DEB` in a build configured with -DBUILD_SHARED_LIBS=ON
# and -DCMAKE_INSTALL_PREFIX=/usr (tests/package/deb.sh does both) writes
#   libunimq      the shared libraries (install component runtime)
#   libunimq-dev  headers, .so links, CMake package and pkg-config files (component dev)
#   unimq-tools   the `unimq` CLI (component tools)
# libunimq's and unimq-tools' Depends come from dpkg-shlibdeps (the Debian packages of the
# libraries they link: libhiredis0.14, librabbitmq4, libnats3.4, libspdlog1.10, ...);
# libunimq-dev names the -dev packages its pkg-config files require (Requires.private).
set(CPACK_PACKAGE_NAME unimq)
set(CPACK_PACKAGE_VENDOR unimq)
set(CPACK_PACKAGE_CONTACT "unimq maintainers <unimq@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "One C++20 messaging API over Kafka, RabbitMQ, Redis, NATS and an in-process broker")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/unimq")
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_COMPONENTS_ALL runtime dev)
if(TARGET unimq_cli)
  list(APPEND CPACK_COMPONENTS_ALL tools)
endif()

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libunimq)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "unimq messaging SDK: shared libraries\n"
  " The core library with the in-process memory:// broker and one library per broker adapter.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)

# The packages the installed pkg-config files name in Requires.private (pkg-config needs them
# even for a shared build).
set(unimq_dev_depends "libunimq (= ${PROJECT_VERSION})" libyaml-cpp-dev)
foreach(pair redis:libhiredis-dev nats:libnats-dev rabbitmq:librabbitmq-dev kafka:librdkafka-dev
    prometheus:prometheus-cpp-dev)
  string(REPLACE ":" ";" pair ${pair})
  list(GET pair 0 component)
  list(GET pair 1 package)
  if(TARGET unimq_${component})
    list(APPEND unimq_dev_depends ${package})
  endif()
endforeach()
list(JOIN unimq_dev_depends ", " unimq_dev_depends)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libunimq-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "unimq messaging SDK: development files\n"
  " Headers, the CMake package (find_package(unimq CONFIG COMPONENTS ...)) and pkg-config files.")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${unimq_dev_depends}")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME unimq-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION net)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION "unimq messaging SDK: the unimq command-line tool\n"
  " Publish, tail, check a broker, validate configs and replay dead letters on any broker.")
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "libunimq (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps finds our own libraries in the build tree (they have no Debian package yet).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
  ${PROJECT_BINARY_DIR}/src ${PROJECT_BINARY_DIR}/adapters/memory ${PROJECT_BINARY_DIR}/adapters/redis
  ${PROJECT_BINARY_DIR}/adapters/nats ${PROJECT_BINARY_DIR}/adapters/rabbitmq
  ${PROJECT_BINARY_DIR}/adapters/kafka ${PROJECT_BINARY_DIR}/exporters/prometheus)
include(CPack)
