/* A wrong-way include that test-layering.sh must catch (tests/layering.cmake, WILL_FAIL): the
 * documents are below receptionctl, never above it. */
#include "console/rd-console-time.h"
