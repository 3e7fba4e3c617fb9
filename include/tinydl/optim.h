// optim.h — umbrella header of tinydl::optim (filled in as the layer is written).
#pragma once
