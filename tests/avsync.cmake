# A party's audio and video line up in its recording: three short calls of a flashing and beeping
# party into the real daemon, each call's offset against its own baseline (bench/ machinery).
rd_add_test(test-av-sync SOURCES test-av-sync.c LIBS rd-bench-av-sync TIMEOUT 300
  THIRD_PARTY_THREADS)
add_dependencies(test-av-sync receptiond receptionctl)
