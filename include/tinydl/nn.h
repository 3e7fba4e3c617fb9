// nn.h — umbrella header of tinydl::nn (filled in as the layer is written).
#pragma once
