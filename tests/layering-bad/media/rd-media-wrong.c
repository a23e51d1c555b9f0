/* A wrong-way include that test-layering.sh must catch (tests/layering.cmake, WILL_FAIL). */
#include "ledger/rd-ledger.h"
