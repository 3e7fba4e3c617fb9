// resample.h — placeholder, filled in by the CNN work (issue 4).
#pragma once

#include "tinydl/nn/module.h"
