rd_add_test(test-media-devices SOURCES test-media-devices.c LIBS rd-media)
rd_add_test(test-media-devices-pipeline SOURCES test-media-devices-pipeline.c LIBS rd-media)

# A webrtcbin party for tests (also used by the WHIP end-to-end tests): GStreamer and GLib only.
add_library(rd-test-peer STATIC rd-test-peer.c)
target_link_libraries(rd-test-peer PUBLIC PkgConfig::GST PkgConfig::GSTWEBRTC PkgConfig::GLIB
  PRIVATE PkgConfig::NICE m)
target_compile_definitions(rd-test-peer PRIVATE GST_USE_UNSTABLE_API)

# Pads taken out of a live audiomixer while it mixes (GStreamer 1.22's use-after-free).
rd_add_test(test-media-mixer-pad SOURCES test-media-mixer-pad.c LIBS rd-media TIMEOUT 60)
rd_add_test(test-media-room SOURCES test-media-room.c rd-test-netns.c LIBS rd-media TIMEOUT 120)
# Two webrtcbins calling each other in one process: a whole WebRTC stack of other people's code
# on many threads, like the other THIRD_PARTY_THREADS tests (an unexplained abort was seen once).
rd_add_test(test-media-peer SOURCES test-media-peer.c rd-test-netns.c
  LIBS rd-media rd-test-peer TIMEOUT 120 THIRD_PARTY_THREADS)
# The room as a bridge: test parties with tones and colours of their own in one room.
rd_add_test(test-media-conference SOURCES test-media-conference.c rd-test-netns.c
  LIBS rd-test-call rd-test-probe TIMEOUT 180 THIRD_PARTY_THREADS)

# ffprobe's view of a media file, for the recording tests.
add_library(rd-test-probe STATIC rd-test-probe.c)
target_link_libraries(rd-test-probe PUBLIC PkgConfig::GLIB PkgConfig::JSONGLIB)
target_include_directories(rd-test-probe PUBLIC ${CMAKE_SOURCE_DIR})
rd_add_test(test-media-record SOURCES test-media-record.c rd-test-netns.c
  LIBS rd-media rd-test-peer rd-test-probe TIMEOUT 180 THIRD_PARTY_THREADS)
# Repairs recordings cut by a real crash (gst-launch-1.0 killed with SIGKILL), checked with ffprobe.
rd_add_test(test-media-repair SOURCES test-media-repair.c LIBS rd-media PkgConfig::JSONGLIB
  TIMEOUT 120)

# A real TURN server (coturn) in the test's network namespace, and a call between two rooms
# in one process (the room as offerer, the room as answerer).
add_library(rd-test-turn STATIC rd-test-turn.c)
target_link_libraries(rd-test-turn PUBLIC PkgConfig::GLIB)
target_include_directories(rd-test-turn PUBLIC ${CMAKE_SOURCE_DIR})
add_library(rd-test-call STATIC rd-test-call.c)
target_link_libraries(rd-test-call PUBLIC rd-media rd-test-peer)
target_include_directories(rd-test-call PUBLIC ${CMAKE_SOURCE_DIR})
# Two rooms (four encoders) in one process.
rd_add_test(test-media-peer-offer SOURCES test-media-peer-offer.c rd-test-netns.c
  LIBS rd-media rd-test-call TIMEOUT 300 THIRD_PARTY_THREADS)
rd_add_test(test-media-peer-relay SOURCES test-media-peer-relay.c rd-test-netns.c
  LIBS rd-media rd-test-call rd-test-turn TIMEOUT 240 THIRD_PARTY_THREADS)
# The room's echo cancellation: a test party's tone through a simulated room's air.
rd_add_test(test-media-echo SOURCES test-media-echo.c rd-test-netns.c
  LIBS rd-test-call TIMEOUT 120 THIRD_PARTY_THREADS)
