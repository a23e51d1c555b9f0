rd_add_test(test-media-devices SOURCES test-media-devices.c LIBS rd-media)

# A webrtcbin party for tests (also used by the WHIP end-to-end tests): GStreamer and GLib only.
add_library(rd-test-peer STATIC rd-test-peer.c)
target_link_libraries(rd-test-peer PUBLIC PkgConfig::GST PkgConfig::GSTWEBRTC PkgConfig::GLIB
  PRIVATE PkgConfig::NICE)
target_compile_definitions(rd-test-peer PRIVATE GST_USE_UNSTABLE_API)

rd_add_test(test-media-room SOURCES test-media-room.c rd-test-netns.c LIBS rd-media TIMEOUT 120)
rd_add_test(test-media-peer SOURCES test-media-peer.c rd-test-netns.c
  LIBS rd-media rd-test-peer TIMEOUT 120)
