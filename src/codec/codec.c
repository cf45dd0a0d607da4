/* placeholder */
#include "codec/codec.h"
