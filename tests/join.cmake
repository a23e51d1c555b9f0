# The browser join page (signaling/join/) in headless Chromium, in a network namespace of the
# test's own. Skips (visibly) without root or without /usr/bin/chromium.
if(NOT TARGET rd-signal-join)
  # Until signaling/CMakeLists.txt adds the join/ subdirectory itself.
  add_subdirectory(${CMAKE_SOURCE_DIR}/signaling/join ${CMAKE_BINARY_DIR}/signaling/join)
endif()
rd_add_test(test-join-page
  SOURCES test-join-page.c rd-test-chromium.c rd-test-netns.c
  LIBS rd-signal-join PkgConfig::SOUP PkgConfig::JSONGLIB PkgConfig::GST PkgConfig::GSTWEBRTC
    PkgConfig::GLIB
  TIMEOUT 120)
