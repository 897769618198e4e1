# SPDX-License-Identifier: MIT
# GputimePrometheusProtobuf.cmake - the optional target gputime::prometheus_protobuf, for
# gputime/report/prometheus_protobuf.hpp (Prometheus native histograms).
#
#   include(GputimePrometheusProtobuf)
#   gputime_add_prometheus_protobuf(found_var)        # ON when gputime::prometheus_protobuf exists
#   target_link_libraries(app PRIVATE gputime::prometheus_protobuf)
#
# The C++ classes of io.prometheus.client.MetricFamily are generated at build time by protoc from
# the metrics.proto of Prometheus's client_model (Debian: golang-github-prometheus-client-model-dev;
# elsewhere set GPUTIME_PROMETHEUS_METRICS_PROTO to the file) into a small static library that
# links libprotobuf (Debian: libprotobuf-dev protobuf-compiler). Nothing else in gputime needs
# protobuf: a missing piece leaves the target out, with a message naming it, and never fails the
# configure step. The generated code is not ours: it gets no -Werror and is included as SYSTEM.
include_guard(GLOBAL)

function(gputime_add_prometheus_protobuf result)
    if(TARGET gputime::prometheus_protobuf)
        set(${result} ON PARENT_SCOPE)
        return()
    endif()
    set(${result} OFF PARENT_SCOPE)
    find_package(Protobuf QUIET)
    find_file(GPUTIME_PROMETHEUS_METRICS_PROTO metrics.proto
        PATHS /usr/share/gocode/src/github.com/prometheus/client_model/io/prometheus/client
              ${CMAKE_PREFIX_PATH} ${CMAKE_SYSTEM_PREFIX_PATH}
        PATH_SUFFIXES "" share/gocode/src/github.com/prometheus/client_model/io/prometheus/client
        NO_DEFAULT_PATH)
    mark_as_advanced(GPUTIME_PROMETHEUS_METRICS_PROTO)
    set(missing "")
    if(NOT Protobuf_FOUND OR NOT TARGET protobuf::libprotobuf)
        list(APPEND missing "libprotobuf (Debian: libprotobuf-dev)")
    endif()
    if(NOT Protobuf_PROTOC_EXECUTABLE)
        list(APPEND missing "protoc (Debian: protobuf-compiler)")
    endif()
    if(NOT GPUTIME_PROMETHEUS_METRICS_PROTO OR NOT EXISTS "${GPUTIME_PROMETHEUS_METRICS_PROTO}")
        list(APPEND missing "Prometheus's metrics.proto (Debian: golang-github-prometheus-client-model-dev)")
    endif()
    if(missing)
        list(JOIN missing ", " missing)
        message(STATUS "gputime: Prometheus native histograms (gputime::prometheus_protobuf) need ${missing}; "
            "not found, so the protobuf exposition is left out")
        return()
    endif()

    # protoc wants the file under its package path: .../io/prometheus/client/metrics.proto.
    get_filename_component(proto_dir "${GPUTIME_PROMETHEUS_METRICS_PROTO}" DIRECTORY)
    get_filename_component(proto_root "${proto_dir}/../../.." ABSOLUTE)
    set(out_dir "${CMAKE_BINARY_DIR}/gputime_prometheus_protobuf")
    set(generated "${out_dir}/io/prometheus/client/metrics.pb.cc" "${out_dir}/io/prometheus/client/metrics.pb.h")
    set(import_dirs "")
    foreach(dir IN LISTS Protobuf_INCLUDE_DIRS)
        list(APPEND import_dirs "-I${dir}")  # google/protobuf/timestamp.proto
    endforeach()
    file(MAKE_DIRECTORY "${out_dir}")
    add_custom_command(OUTPUT ${generated}
        COMMAND "${Protobuf_PROTOC_EXECUTABLE}" "--cpp_out=${out_dir}" "-I${proto_root}" ${import_dirs}
                "${proto_root}/io/prometheus/client/metrics.proto"
        DEPENDS "${GPUTIME_PROMETHEUS_METRICS_PROTO}"
        COMMENT "protoc: io.prometheus.client (metrics.proto) -> C++"
        VERBATIM)
    add_library(gputime_prometheus_protobuf STATIC ${generated})
    set_target_properties(gputime_prometheus_protobuf PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_include_directories(gputime_prometheus_protobuf SYSTEM PUBLIC "${out_dir}")
    target_link_libraries(gputime_prometheus_protobuf PUBLIC gputime::gputime protobuf::libprotobuf)
    target_compile_features(gputime_prometheus_protobuf PUBLIC cxx_std_17)
    add_library(gputime::prometheus_protobuf ALIAS gputime_prometheus_protobuf)
    set(${result} ON PARENT_SCOPE)
endfunction()
