// pool.h — placeholder, filled in by the CNN work (issue 4).
#pragma once

#include "tinydl/tensor.h"
